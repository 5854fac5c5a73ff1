"""Key account pages: who reaches them, designation, health, preferences, handover."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import AuditEvent
from clients import services_key_accounts as services
from clients.models import (
    Client,
    ClientPlan,
    Interaction,
    KeyAccount,
    PlanAction,
    RankingFigures,
)

from . import auth
from .concurrency import run_at_once
from .factories import (
    AuthorityAimFactory,
    ClientPlanFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    KeyAccountFactory,
    MatterFactory,
    PlanActionFactory,
    StaffFactory,
    TimeEntryFactory,
)

ROLES = [
    "lawyer",
    "practice_manager",
    "senior_legal_manager",
    "administrator",
    "portal_user",
    "other_portal_user",
    "anonymous",
]


@pytest.fixture
def account(client_org, lawyer, senior_legal_manager):
    """Northfield as a key account owned by the lawyer, with two plan versions."""
    account = KeyAccountFactory(
        client=client_org, owner=lawyer, sponsor=senior_legal_manager
    )
    agreed = ClientPlanFactory(key_account=account, status="agreed")
    agreed.objectives.create(description="Fewer exclusions", aim=AuthorityAimFactory())
    PlanActionFactory(plan=agreed, owner=lawyer)
    services.revise_plan(plan=agreed, actor=senior_legal_manager)
    return account


@pytest.fixture
def leaver(db):
    return StaffFactory(
        full_name="Lee Leaver", profile__leave_date=dt.date(2026, 12, 31)
    )


@pytest.fixture
def urls(account, client_org, lawyer, leaver):
    agreed = account.plans.get(status="agreed")
    draft = account.plans.get(status="draft")
    action = agreed.actions.get()
    assessment = InteractionFactory(
        client=client_org, staff=lawyer, kind=Interaction.Kind.NEEDS_ASSESSMENT
    )
    objective = draft.objectives.get()
    return {
        "ranking": reverse("clients:key_account_ranking"),
        "list": reverse("clients:key_account_list"),
        "detail": account.get_absolute_url(),
        "designate": reverse("clients:key_account_create", args=[client_org.pk + 1000]),
        "edit": reverse("clients:key_account_edit", args=[account.pk]),
        "plan": agreed.get_absolute_url(),
        "plan_edit": reverse("clients:plan_edit", args=[draft.pk]),
        "diff": reverse("clients:plan_diff", args=[draft.pk]),
        "print": reverse("clients:plan_print", args=[agreed.pk]),
        "action": reverse("clients:plan_action_status", args=[action.pk]),
        "needs": reverse("clients:needs_from_interaction", args=[assessment.pk]),
        "relationships": reverse("clients:relationships", args=[client_org.pk]),
        "leavers": reverse("clients:leaver_list"),
        "handover": reverse("clients:handover", args=[leaver.pk]),
        "remove_objective": reverse(
            "clients:plan_item_delete", args=["objective", objective.pk]
        ),
    }


def sign_in(client, request, role):
    if role != "anonymous":
        auth.sign_in(client, request.getfixturevalue(role))


MANAGERS_ONLY = {"ranking", "edit", "plan_edit", "leavers", "handover"}
MANAGERS_ONLY |= {"remove_objective"}
EVERY_STAFF = {"list", "detail", "plan", "diff", "print", "action", "needs"}
EVERY_STAFF |= {"relationships"}


@pytest.mark.parametrize("page", sorted(MANAGERS_ONLY | EVERY_STAFF))
@pytest.mark.parametrize("role", ROLES)
def test_page_access_by_role(client, request, urls, page, role):
    sign_in(client, request, role)

    response = client.get(urls[page])

    if role == "anonymous":
        expected = 302
    elif role in ("portal_user", "other_portal_user"):
        expected = 403
    elif role == "lawyer" and page in MANAGERS_ONLY:
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected


def test_anonymous_sent_to_sign_in(client, urls):
    response = client.get(urls["list"])

    assert response.url.startswith(reverse("accounts:login"))


def test_designate_page_for_new_client(client, practice_manager, other_client_org):
    client.force_login(practice_manager)

    response = client.get(
        reverse("clients:key_account_create", args=[other_client_org.pk])
    )

    assert response.status_code == 200


def test_lawyer_cannot_designate(client, lawyer, other_client_org):
    client.force_login(lawyer)

    response = client.get(
        reverse("clients:key_account_create", args=[other_client_org.pk])
    )

    assert response.status_code == 403


def test_action_of_other_owner_forbidden(client, lawyer, account):
    action = PlanActionFactory(plan=account.plans.get(status="draft"))
    client.force_login(lawyer)

    response = client.get(reverse("clients:plan_action_status", args=[action.pk]))

    assert response.status_code == 403


@pytest.fixture
def designation(lawyer, senior_legal_manager):
    return {
        "tier": "strategic",
        "owner": lawyer.pk,
        "sponsor": senior_legal_manager.pk,
        "team": [lawyer.pk],
        "contact_frequency_days": 30,
        "review_frequency_months": 6,
        "next_review_on": "2027-01-15",
        "reason": "Largest user of planning advice.",
    }


def test_manager_designates_key_account(
    client, senior_legal_manager, other_client_org, designation
):
    client.force_login(senior_legal_manager)
    url = reverse("clients:key_account_create", args=[other_client_org.pk])

    response = client.post(url, designation)

    account = KeyAccount.objects.get(client=other_client_org)
    assert response.url == account.get_absolute_url()
    assert account.designated_by == senior_legal_manager
    assert account.health == "red"
    assert AuditEvent.objects.filter(
        action="create", target_id=str(account.pk)
    ).exists()


def test_designation_rejects_owner_as_sponsor(
    client, senior_legal_manager, other_client_org, designation
):
    client.force_login(senior_legal_manager)
    designation["sponsor"] = senior_legal_manager.pk
    designation["owner"] = senior_legal_manager.pk
    url = reverse("clients:key_account_create", args=[other_client_org.pk])

    response = client.post(url, designation)

    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert response.context["form"]["reason"].value() == designation["reason"]


def test_designating_twice_opens_existing(client, practice_manager, account):
    client.force_login(practice_manager)

    response = client.get(
        reverse("clients:key_account_create", args=[account.client_id])
    )

    assert response.url == account.get_absolute_url()


def test_key_account_page_shows_health_reasons(client, lawyer, account):
    client.force_login(lawyer)

    response = client.get(account.get_absolute_url())

    assert "No contact has been logged yet." in response.content.decode()


def test_ranking_marks_key_accounts(
    client, practice_manager, account, other_client_org
):
    services.refresh_ranking_figures(today=timezone.localdate())
    client.force_login(practice_manager)

    response = client.get(reverse("clients:key_account_ranking"))

    rows = {row.pk: row for row in response.context["page_obj"]}
    assert rows[account.client_id].is_key_account
    assert not rows[other_client_org.pk].is_key_account


def test_client_page_shows_agreed_preferences(client, lawyer, account):
    plan = account.plans.get(status="agreed")
    plan.preferred_channel = "video_call"
    plan.save()
    client.force_login(lawyer)

    response = client.get(account.client.get_absolute_url())

    assert "Channel: Video call" in response.content.decode()


def test_client_page_without_plan_has_no_preferences(client, lawyer, other_client_org):
    client.force_login(lawyer)

    response = client.get(other_client_org.get_absolute_url())

    assert "prefers to work with us" not in response.content.decode()


def test_needs_assessment_offers_add_needs(client, lawyer, account):
    InteractionFactory(
        client=account.client, staff=lawyer, kind=Interaction.Kind.NEEDS_ASSESSMENT
    )
    client.force_login(lawyer)

    response = client.get(account.client.get_absolute_url())

    assert "Add needs to plan" in response.content.decode()


# Health refresh


def test_refresh_stores_health_and_fall(account):
    today = dt.date(2026, 5, 1)
    InteractionFactory(client=account.client, occurred_at=timezone.now())
    services.refresh_health(today=today)
    FeedbackFactory(client=account.client, kind="complaint")

    services.refresh_health(today=today)

    account.refresh_from_db()
    assert account.health == "amber"
    assert account.previous_health == "green"
    assert account.health_fell


def test_refresh_twice_changes_nothing(account):
    today = dt.date(2026, 5, 1)
    services.refresh_health(today=today)

    assert services.refresh_health(today=today) == 0


def test_revised_actions_count_once(account):
    today = dt.date(2026, 10, 1)

    facts = services.selectors.key_accounts_with_facts(today=today).get()

    assert facts.overdue_actions == 1


# Ranking figures


RANKING_COLUMNS = [
    "client",
    "chargeable_minutes",
    "recharge_value",
    "open_matters",
    "interaction_count",
    "last_contact_at",
    "last_satisfaction",
    "service_count",
    "window_start",
    "window_end",
]


def ranking_rows():
    return list(RankingFigures.objects.order_by("client").values(*RANKING_COLUMNS))


def refresh_ranking():
    return services.refresh_ranking_figures(today=timezone.localdate())


@pytest.fixture
def busy_client(client_org, lawyer):
    """Northfield with an open matter, an hour of today's time and a contact."""
    matter = MatterFactory(client=client_org, responsible_lawyer=lawyer)
    TimeEntryFactory(
        matter=matter, staff=lawyer, worked_on=timezone.localdate(), minutes=60
    )
    InteractionFactory(client=client_org, staff=lawyer)
    return client_org


def test_ranking_refresh_twice_gives_same_rows(busy_client, other_client_org):
    assert refresh_ranking() == 2
    first = ranking_rows()

    assert refresh_ranking() == 2

    assert ranking_rows() == first
    northfield = {row["client"]: row for row in first}[busy_client.pk]
    assert northfield["chargeable_minutes"] == 60
    assert northfield["recharge_value"] == Decimal("85.00")
    assert northfield["open_matters"] == 1
    assert northfield["interaction_count"] == 1


def test_deleted_client_loses_ranking_row(client_org, other_client_org):
    refresh_ranking()

    other_client_org.delete()
    refresh_ranking()

    assert [row["client"] for row in ranking_rows()] == [client_org.pk]


def test_refresh_drops_client_deleted_meanwhile(
    client_org, other_client_org, monkeypatch
):
    work_out = services.selectors.ranking_figures

    def delete_after_reading(*, today):
        figures = work_out(today=today)
        other_client_org.delete()
        return figures

    monkeypatch.setattr(services.selectors, "ranking_figures", delete_after_reading)

    refresh_ranking()

    assert [row["client"] for row in ranking_rows()] == [client_org.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_leave_one_row_each(client_org, other_client_org):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent upserts need PostgreSQL: set DATABASE_URL.")

    errors = run_at_once(refresh_ranking)

    assert errors == []
    clients = [row["client"] for row in ranking_rows()]
    assert clients == sorted([client_org.pk, other_client_org.pk])


def test_ranking_shows_stored_figures_until_refreshed(
    client, practice_manager, busy_client, lawyer
):
    refresh_ranking()
    TimeEntryFactory(
        matter=busy_client.matters.get(),
        staff=lawyer,
        worked_on=timezone.localdate(),
        minutes=30,
    )
    client.force_login(practice_manager)
    url = reverse("clients:key_account_ranking")

    before = client.get(url).context["page_obj"][0].chargeable_minutes
    refresh_ranking()
    after = client.get(url).context["page_obj"][0].chargeable_minutes

    assert (before, after) == (60, 90)


def test_first_ranking_request_works_out_figures(client, practice_manager, busy_client):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:key_account_ranking"))

    assert RankingFigures.objects.count() == Client.objects.count()
    [row] = response.context["page_obj"]
    assert row.chargeable_minutes == 60
    assert "Figures worked out at" in response.content.decode()


def test_ranking_shows_london_worked_out_time(client, practice_manager, client_org):
    refresh_ranking()
    RankingFigures.objects.update(
        computed_at=dt.datetime(2026, 7, 1, 1, 30, tzinfo=dt.UTC),
        window_start=dt.date(2025, 7, 2),
        window_end=dt.date(2026, 7, 1),
    )
    client.force_login(practice_manager)

    response = client.get(reverse("clients:key_account_ranking"))

    assert (
        'Figures worked out at <time datetime="2026-07-01T02:30:00+01:00">02:30 on '
        "1 July 2026</time>, covering 2 July 2025 to 1 July 2026."
    ) in response.content.decode()


@pytest.fixture
def queued(monkeypatch):
    """Ranking refreshes queued through ``enqueue``, recorded instead of sent."""
    sent = []
    monkeypatch.setattr(
        "clients.tasks.refresh_ranking_figures.apply_async",
        lambda args: sent.append(tuple(args)),
    )
    return sent


def test_work_out_again_queues_and_audits(
    client, practice_manager, queued, django_capture_on_commit_callbacks
):
    client.force_login(practice_manager)
    query = "?sort=-hours&q=North"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clients:key_account_ranking_refresh") + query, follow=True
        )

    assert queued == [()]
    assert response.redirect_chain == [
        (reverse("clients:key_account_ranking") + query, 302)
    ]
    assert "Reload this page in a minute" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.actor == practice_manager
    assert event.changes == {"ranking figures": "refresh requested"}


def test_work_out_again_says_when_broker_down(client, practice_manager, monkeypatch):
    def unreachable(args):
        raise BrokerError("connection refused")

    monkeypatch.setattr(
        "clients.tasks.refresh_ranking_figures.apply_async", unreachable
    )
    client.force_login(practice_manager)

    response = client.post(reverse("clients:key_account_ranking_refresh"), follow=True)

    page = response.content.decode()
    assert "could not be queued" in page
    assert "Reload this page in a minute" not in page


@pytest.mark.parametrize("role", ["lawyer", "portal_user"])
def test_work_out_again_rejects_non_managers(
    client, request, role, queued, django_capture_on_commit_callbacks
):
    sign_in(client, request, role)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clients:key_account_ranking_refresh"))

    assert response.status_code == 403
    assert queued == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


# Handover


@pytest.fixture
def leaving_owner(account, lawyer):
    lawyer.profile.leave_date = dt.date(2026, 12, 31)
    lawyer.profile.save()
    contact = ContactFactory(client=account.client, full_name="Hana Head")
    for days in (1, 2, 3):
        interaction = InteractionFactory(
            client=account.client,
            staff=lawyer,
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )
        interaction.contacts.add(contact)
    return lawyer


def test_handover_lists_accounts_and_relationships(
    client, practice_manager, leaving_owner, account
):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:handover", args=[leaving_owner.pk]))

    page = response.content.decode()
    assert account.client.name in page
    assert "Hana Head" in page


def test_leaver_list_shows_leaver(client, practice_manager, leaving_owner):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:leaver_list"))

    assert leaving_owner.full_name in response.content.decode()


def test_handover_reassigns_account_and_actions(
    client, practice_manager, leaving_owner, account
):
    successor = StaffFactory(full_name="Sue Successor")
    client.force_login(practice_manager)

    client.post(
        reverse("clients:handover", args=[leaving_owner.pk]),
        {"successor": successor.pk},
    )

    account.refresh_from_db()
    assert account.owner == successor
    assert not PlanAction.objects.filter(owner=leaving_owner).exists()


def test_handover_rejects_missing_successor(client, practice_manager, leaving_owner):
    client.force_login(practice_manager)

    response = client.post(reverse("clients:handover", args=[leaving_owner.pk]), {})

    assert response.status_code == 400
    assert "successor" in response.context["form"].errors


def test_handover_needs_leave_date(client, practice_manager, lawyer):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:handover", args=[lawyer.pk]))

    assert response.status_code == 404


# Weekly digest


@pytest.fixture
def due_account(account):
    account.next_review_on = dt.date(2026, 12, 10)
    account.save()
    return account


def test_digest_sent_once_per_week(due_account, mailoutbox):
    monday = dt.date(2026, 12, 7)

    first = services.send_key_account_digests(day=monday)
    second = services.send_key_account_digests(day=monday + dt.timedelta(days=2))

    assert first == 2
    assert second == 0
    assert len(mailoutbox) == 2


def test_digest_lists_review_and_overdue_action(due_account, mailoutbox, lawyer):
    services.send_key_account_digests(day=dt.date(2026, 12, 7))

    body = next(m.body for m in mailoutbox if m.to == [lawyer.email])
    assert "review 10 December 2026" in body
    assert "Run a training session" in body


def test_digest_again_next_week(due_account, mailoutbox):
    services.send_key_account_digests(day=dt.date(2026, 12, 7))

    sent = services.send_key_account_digests(day=dt.date(2026, 12, 14))

    assert sent == 2


def test_digest_skips_people_with_nothing(account, mailoutbox):
    account.next_review_on = dt.date(2027, 6, 1)
    account.save()
    ClientPlan.objects.all().delete()

    assert services.send_key_account_digests(day=dt.date(2026, 12, 7)) == 0


@pytest.mark.parametrize("url_name", ["key_account_ranking", "key_account_list"])
def test_search_ignores_nul_character(client, practice_manager, url_name):
    """A NUL character, which PostgreSQL rejects, is dropped from the search."""
    client.force_login(practice_manager)

    response = client.get(reverse(f"clients:{url_name}"), {"q": "a\x00b"})

    assert response.status_code == 200
