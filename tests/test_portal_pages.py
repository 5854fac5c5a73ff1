"""The client portal's pages: who reaches them, what they show, what they record."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, PortalMembership
from feedback.models import ArticleVote, Feedback

from .auth import sign_in
from .factories import (
    ClientFactory,
    ContactFactory,
    FeedbackFactory,
    InvitationFactory,
    MatterFactory,
)

STAFF_ROLES = ["lawyer", "practice_manager", "senior_legal_manager", "administrator"]


@pytest.fixture
def records(article_for_all, own_feedback, category):
    return {"article": article_for_all, "feedback": own_feedback, "category": category}


# (URL name, how to build its arguments from the records)
PORTAL_PAGES = [
    ("portal:home", lambda r: []),
    ("portal:guidance", lambda r: []),
    ("portal:guidance_category", lambda r: [r["category"].slug]),
    ("portal:article", lambda r: [r["article"].slug]),
    ("portal:feedback", lambda r: []),
    ("portal:feedback_new", lambda r: []),
    ("portal:feedback_detail", lambda r: [r["feedback"].pk]),
]


@pytest.mark.parametrize(("name", "arguments"), PORTAL_PAGES)
def test_portal_user_opens_portal_page(client, portal_user, records, name, arguments):
    client.force_login(portal_user)

    response = client.get(reverse(name, args=arguments(records)))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "arguments"), PORTAL_PAGES)
def test_anonymous_sent_to_portal_sign_in(client, records, name, arguments):
    url = reverse(name, args=arguments(records))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(("name", "arguments"), PORTAL_PAGES)
def test_staff_refused_portal_page(client, request, records, role, name, arguments):
    sign_in(client, request.getfixturevalue(role))

    response = client.get(reverse(name, args=arguments(records)))

    assert response.status_code == 403


# Home and organisations


def test_home_shows_new_guidance(client, portal_user, article_for_all):
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "How to instruct us" in content


def test_home_shows_own_feedback_status(client, portal_user, own_feedback):
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "Slow reply on a lease" in content
    assert "Received" in content


def test_user_without_organisation_sees_explanation(client, portal_user):
    PortalMembership.objects.filter(user=portal_user).delete()
    client.force_login(portal_user)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    assert "not linked to any organisation" in response.content.decode()


def test_switching_organisation_changes_scope(client, portal_user, client_org):
    second = ClientFactory(name="Westmoor Academy")
    PortalMembership.objects.create(user=portal_user, client=second)
    FeedbackFactory(client=second, submitted_by=portal_user, subject="Westmoor note")
    client.force_login(portal_user)

    before = client.get(reverse("portal:feedback")).content.decode()
    response = client.post(reverse("portal:switch_organisation"), {"client": second.pk})
    after = client.get(reverse("portal:feedback")).content.decode()

    assert "Westmoor note" not in before
    assert response.status_code == 302
    assert "Westmoor note" in after


# Guidance


def test_guidance_search_finds_article(client, portal_user, article_for_all):
    client.force_login(portal_user)

    found = client.get(reverse("portal:guidance"), {"q": "instruct"})
    missed = client.get(reverse("portal:guidance"), {"q": "zebra crossings"})

    assert "How to instruct us" in found.content.decode()
    assert "How to instruct us" not in missed.content.decode()
    assert "No guidance matches" in missed.content.decode()


def test_category_page_lists_its_articles(
    client, portal_user, article_for_all, school_article
):
    client.force_login(portal_user)

    response = client.get(reverse("portal:guidance_category", args=["schools"]))

    content = response.content.decode()
    assert "Exclusion appeals for schools" in content
    assert "How to instruct us" not in content


def test_article_page_renders_markdown(client, portal_user, article_for_all):
    client.force_login(portal_user)

    response = client.get(article_for_all.get_portal_url())

    assert "<h3>Before you start</h3>" in response.content.decode()


def test_draft_article_not_found(client, portal_user, draft_article):
    client.force_login(portal_user)

    response = client.get(reverse("portal:article", args=[draft_article.slug]))

    assert response.status_code == 404


def test_helpful_vote_recorded_once(client, portal_user, client_org, article_for_all):
    client.force_login(portal_user)
    url = reverse("portal:article_vote", args=[article_for_all.slug])

    client.post(url, {"helpful": "yes", "comment": "Clear, thank you."})
    client.post(url, {"helpful": "no", "comment": "On reflection, too short."})

    vote = ArticleVote.objects.get()
    assert vote.helpful is False
    assert vote.comment == "On reflection, too short."
    assert vote.client == client_org


def test_vote_without_answer_shows_error(client, portal_user, article_for_all):
    client.force_login(portal_user)
    url = reverse("portal:article_vote", args=[article_for_all.slug])

    response = client.post(url, {"comment": "Kept text"})

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not ArticleVote.objects.exists()


# Feedback


def test_portal_user_sends_complaint(client, portal_user, client_org):
    client.force_login(portal_user)

    response = client.post(
        reverse("portal:feedback_new"),
        {"kind": "complaint", "subject": "Late advice", "message": "It was late."},
    )

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_portal_url()
    assert item.client == client_org
    assert item.submitted_by == portal_user
    assert item.channel == Feedback.Channel.PORTAL
    assert item.acknowledge_due is not None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, target_id=str(item.pk)
    ).exists()


def test_feedback_form_errors_keep_text(client, portal_user):
    client.force_login(portal_user)

    response = client.post(
        reverse("portal:feedback_new"), {"kind": "complaint", "message": "Kept text"}
    )

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_form_suggests_related_guidance(client, portal_user, category):
    from .factories import ArticleFactory

    ArticleFactory(
        title="How we handle complaints", slug="complaints", category=category
    )
    client.force_login(portal_user)

    response = client.get(reverse("portal:feedback_new"), {"kind": "complaint"})

    assert "How we handle complaints" in response.content.decode()


def test_feedback_page_shows_staff_response(client, portal_user, own_feedback):
    own_feedback.response = "We have spoken to the team & apologise."
    own_feedback.status = Feedback.Status.RESPONDED
    own_feedback.save()
    client.force_login(portal_user)

    response = client.get(own_feedback.get_portal_url())

    content = response.content.decode()
    assert "We have spoken to the team &amp; apologise." in content
    assert "Answered" in content


def test_staff_logged_feedback_not_in_portal(client, portal_user, client_org, lawyer):
    logged = FeedbackFactory(
        client=client_org, logged_by=lawyer, channel="phone", subject="Phoned in"
    )
    client.force_login(portal_user)

    listing = client.get(reverse("portal:feedback")).content.decode()
    detail = client.get(logged.get_portal_url())

    assert "Phoned in" not in listing
    assert detail.status_code == 404


# Shared work on the home page


def key_account_plan(client, staff, *, status="agreed"):
    from clients.models import ClientPlan, KeyAccount

    account = KeyAccount.objects.create(
        client=client,
        tier="major",
        owner=staff,
        sponsor=staff,
        contact_frequency_days=30,
        review_frequency_months=6,
        next_review_on=dt.date(2027, 1, 1),
        reason="Largest school client.",
    )
    return ClientPlan.objects.create(
        key_account=account, period_start=dt.date(2026, 4, 1), status=status
    )


def test_home_shows_open_matters_with_promise(client, portal_user, client_org):
    today = timezone.localdate()
    MatterFactory(
        client=client_org,
        title="Lease of the playing field",
        target_date=today - dt.timedelta(days=3),
        promise_met_on=today - dt.timedelta(days=4),
    )
    MatterFactory(
        client=client_org,
        title="Late contract review",
        target_date=today - dt.timedelta(days=1),
    )
    MatterFactory(
        client=client_org,
        title="Closed old matter",
        status="closed",
        closed_on=today,
    )
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "Lease of the playing field" in content
    assert "Promise met" in content
    assert "Late contract review" in content
    assert "Promise missed" in content
    assert "Closed old matter" not in content


def test_home_shows_only_shared_agreed_actions(client, portal_user, client_org, lawyer):
    from clients.models import PlanAction

    agreed = key_account_plan(client_org, lawyer)
    due = dt.date(2026, 9, 1)
    PlanAction.objects.create(
        plan=agreed,
        description="Termly governor briefing",
        owner=lawyer,
        due_on=due,
        shared_with_client=True,
    )
    PlanAction.objects.create(
        plan=agreed, description="Internal fee review", owner=lawyer, due_on=due
    )
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "Termly governor briefing" in content
    assert "Internal fee review" not in content


def test_home_lists_waiting_survey(client, portal_user, client_org):
    contact = ContactFactory(client=client_org, email=portal_user.email)
    invitation = InvitationFactory(contact=contact)
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert str(invitation.round.survey) in content
    assert reverse("surveys:answer_from_portal", args=[invitation.pk]) in content


def test_home_shows_you_said_we_did(client, portal_user, client_org, parish_org):
    from feedback.models import YouSaidWeDid

    YouSaidWeDid.objects.create(
        client=client_org,
        you_said="Replies were slow.",
        we_did="We now reply in 2 days.",
        is_published=True,
        published_at=timezone.now(),
    )
    YouSaidWeDid.objects.create(
        client=parish_org,
        you_said="Southbrook only",
        we_did="Southbrook action",
        is_published=True,
        published_at=timezone.now(),
    )
    client.force_login(portal_user)

    content = client.get(reverse("portal:home")).content.decode()

    assert "We now reply in 2 days." in content
    assert "Southbrook action" not in content


def test_matters_page_lists_open_matters(client, portal_user, client_org):
    MatterFactory(client=client_org, title="Academy conversion")
    client.force_login(portal_user)

    response = client.get(reverse("portal:matters"))

    assert "Academy conversion" in response.content.decode()


def test_feedback_about_own_matter(client, portal_user, client_org):
    matter = MatterFactory(client=client_org)
    client.force_login(portal_user)

    client.post(
        reverse("portal:feedback_new"),
        {"kind": "question", "subject": "When?", "message": "?", "matter": matter.pk},
    )

    assert Feedback.objects.get().matter == matter


def build_home_data(size, *, client, user, staff, plan):
    from clients.models import Matter, PlanAction
    from feedback.models import YouSaidWeDid

    matter_type = MatterFactory(client=client).matter_type
    start = Matter.objects.count()
    Matter.objects.bulk_create(
        [
            Matter(
                client=client,
                reference=f"BULK/{start + n}",
                title=f"Bulk matter {n}",
                matter_type=matter_type,
                responsible_lawyer=staff,
                target_date=dt.date(2026, 1, 1) + dt.timedelta(days=n),
            )
            for n in range(size)
        ]
    )
    PlanAction.objects.bulk_create(
        [
            PlanAction(
                plan=plan,
                description=f"Action {n}",
                owner=staff,
                due_on=dt.date(2026, 9, 1),
                shared_with_client=True,
            )
            for n in range(size)
        ]
    )
    YouSaidWeDid.objects.bulk_create(
        [
            YouSaidWeDid(
                client=client,
                you_said=f"Said {n}",
                we_did=f"Did {n}",
                is_published=True,
                published_at=timezone.now(),
            )
            for n in range(size)
        ]
    )
    Feedback.objects.bulk_create(
        [
            Feedback(
                client=client,
                submitted_by=user,
                kind="question",
                subject=f"Question {n}",
                message="?",
                channel="portal",
            )
            for n in range(size)
        ]
    )
    contact = ContactFactory(client=client, email=user.email)
    for _ in range(3 if size < 10 else 6):
        InvitationFactory(contact=contact)


def test_home_query_count_flat(client, portal_user, client_org, lawyer):
    client.force_login(portal_user)
    url = reverse("portal:home")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    data = {
        "client": client_org,
        "user": portal_user,
        "staff": lawyer,
        "plan": key_account_plan(client_org, lawyer),
    }
    build_home_data(5, **data)
    count()
    small = count()
    build_home_data(50, **data)
    large = count()

    assert small == large
    assert large <= 15
