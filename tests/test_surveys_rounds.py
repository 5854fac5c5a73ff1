"""Survey rounds: the audience, launch, pause, resume and close."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Client
from feedback.models import Invitation, SurveyOptOut, SurveyRound

from .auth import sign_in
from .factories import (
    ClientFactory,
    ContactFactory,
    StaffFactory,
    SurveyFactory,
    SurveyRoundFactory,
    TeamFactory,
)
from .survey_fixtures import build_survey, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, practice_manager):
    client.force_login(practice_manager)
    return client


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def round_data(survey, **overrides):
    now = timezone.now()
    data = {
        "survey": survey.pk,
        "name": "Schools, spring 2026",
        "audience": "client_kind",
        "client_kinds": ["school"],
        "opens_at": local_input(now - dt.timedelta(minutes=5)),
        "closes_at": local_input(now + dt.timedelta(days=28)),
        "max_reminders": "2",
        "reminder_interval_days": "7",
    }
    data.update(overrides)
    return data


def draft_round(survey=None, **kwargs):
    kwargs.setdefault("audience", "client_kind")
    kwargs.setdefault("client_kinds", ["school"])
    return SurveyRoundFactory(
        survey=survey or build_survey(),
        status="draft",
        launched_at=None,
        **kwargs,
    )


# Setting up a round
# ---------------------------------------------------------------------------


def test_manager_saves_round_as_draft(manager_client, practice_manager):
    survey = build_survey()

    response = manager_client.post(reverse("surveys:round_create"), round_data(survey))

    survey_round = SurveyRound.objects.get()
    assert response.status_code == 302
    assert survey_round.status == SurveyRound.Status.DRAFT
    assert survey_round.client_kinds == ["school"]
    assert survey_round.created_by == practice_manager
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, target_id=str(survey_round.pk)
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"client_kinds": []}, "client_kinds", "Choose at least one kind of client."),
        ({"audience": "team"}, "team", "Choose the team whose clients are invited."),
        ({"audience": "contacts"}, "contacts", "Choose at least one contact."),
        ({"max_reminders": "6"}, "max_reminders", "less than or equal to 5"),
        ({"reminder_interval_days": "0"}, "reminder_interval_days", "greater than"),
    ],
)
def test_round_form_errors_beside_field(manager_client, overrides, field, message):
    survey = build_survey()

    response = manager_client.post(
        reverse("surveys:round_create"), round_data(survey, **overrides)
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert "Schools, spring 2026" in response.content.decode()
    assert not SurveyRound.objects.exists()


def test_round_must_close_after_opening(manager_client):
    survey = build_survey()
    now = timezone.now()
    data = round_data(
        survey,
        opens_at=local_input(now + dt.timedelta(days=2)),
        closes_at=local_input(now + dt.timedelta(days=1)),
    )

    response = manager_client.post(reverse("surveys:round_create"), data)

    assert response.status_code == 400
    assert "after the opening time" in str(response.context["form"].errors["closes_at"])


def test_survey_without_questions_not_offered(manager_client):
    empty = SurveyFactory(title="Empty survey")

    response = manager_client.post(reverse("surveys:round_create"), round_data(empty))

    assert response.status_code == 400
    assert "survey" in response.context["form"].errors


def test_launched_round_cannot_be_edited(manager_client):
    survey_round = SurveyRoundFactory(survey=build_survey())

    response = manager_client.post(
        reverse("surveys:round_edit", args=[survey_round.pk]),
        round_data(survey_round.survey, name="Changed"),
    )

    survey_round.refresh_from_db()
    assert response.status_code == 302
    assert survey_round.name != "Changed"


def test_launched_round_cannot_be_deleted(manager_client):
    survey_round = SurveyRoundFactory(survey=build_survey())

    response = manager_client.post(
        reverse("surveys:round_delete", args=[survey_round.pk])
    )

    assert response.status_code == 404
    assert SurveyRound.objects.filter(pk=survey_round.pk).exists()


def test_draft_round_deleted_after_confirmation(manager_client):
    survey_round = draft_round()
    url = reverse("surveys:round_delete", args=[survey_round.pk])

    assert "Yes, delete" in manager_client.get(url).content.decode()
    manager_client.post(url)

    assert not SurveyRound.objects.filter(pk=survey_round.pk).exists()


# The audience at launch
# ---------------------------------------------------------------------------


def launch(http, survey_round, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return http.post(
            reverse("surveys:round_launch", args=[survey_round.pk]), follow=True
        )


def invited_names(survey_round):
    return sorted(
        Invitation.objects.filter(round=survey_round).values_list(
            "contact__full_name", flat=True
        )
    )


def test_launch_invites_chosen_kinds_only(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    owner = StaffFactory()
    school = ClientFactory(kind=Client.Kind.SCHOOL, relationship_owner=owner)
    parish = ClientFactory(kind=Client.Kind.PARISH_COUNCIL)
    former = ClientFactory(kind=Client.Kind.SCHOOL, status=Client.Status.FORMER)
    ContactFactory(client=school, full_name="Head teacher")
    ContactFactory(
        client=school, full_name="No email", email="", preferred_channel="phone"
    )
    ContactFactory(client=school, full_name="Left", is_active=False)
    opted_out = ContactFactory(client=school, full_name="Opted out")
    SurveyOptOut.objects.create(contact=opted_out)
    ContactFactory(client=parish, full_name="Clerk")
    ContactFactory(client=former, full_name="Former head")
    survey_round = draft_round()

    page = launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN
    assert survey_round.launched_at is not None
    assert invited_names(survey_round) == ["Head teacher"]
    assert Invitation.objects.get().lawyer == owner
    assert "Round launched. 1 invitation" in page.content.decode()
    [message] = mailoutbox
    assert message.to == [
        ContactFactory._meta.model.objects.get(full_name="Head teacher").email
    ]


def test_launch_team_audience_follows_owner_team(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    property_team = TeamFactory(name="Property")
    in_team = StaffFactory(profile__team=property_team)
    elsewhere = StaffFactory(profile__team=TeamFactory(name="Social care"))
    ContactFactory(client=ClientFactory(relationship_owner=in_team), full_name="Ann")
    ContactFactory(client=ClientFactory(relationship_owner=elsewhere), full_name="Bob")
    survey_round = draft_round(audience="team", team=property_team, client_kinds=[])

    launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    assert invited_names(survey_round) == ["Ann"]
    assert len(mailoutbox) == 1


def test_launch_named_contacts_audience(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    chosen = ContactFactory(full_name="Chosen")
    ContactFactory(full_name="Not chosen")
    survey_round = draft_round(audience="contacts", client_kinds=[])
    survey_round.contacts.add(chosen)

    launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    assert invited_names(survey_round) == ["Chosen"]


def test_launch_key_accounts_audience(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    from .factories import KeyAccountFactory

    account = KeyAccountFactory()
    ContactFactory(client=account.client, full_name="Keyed")
    ContactFactory(full_name="Ordinary")
    survey_round = draft_round(audience="key_accounts", client_kinds=[])

    launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    assert invited_names(survey_round) == ["Keyed"]


def test_launch_with_empty_audience_refused(
    manager_client, django_capture_on_commit_callbacks
):
    survey_round = draft_round(client_kinds=["charity"])

    page = launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.DRAFT
    assert "No contact in this audience can be surveyed" in page.content.decode()


def test_launch_past_closing_time_refused(
    manager_client, django_capture_on_commit_callbacks
):
    ContactFactory()
    now = timezone.now()
    survey_round = draft_round(
        opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(days=1)
    )

    page = launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    survey_round.refresh_from_db()
    assert survey_round.is_draft
    assert "The closing time has passed" in page.content.decode()


def test_launch_twice_invites_once(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    ContactFactory()
    survey_round = draft_round()

    launch(manager_client, survey_round, django_capture_on_commit_callbacks)
    second = launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1
    assert "already been launched" in second.content.decode()


def test_launch_page_asks_first(manager_client):
    ContactFactory()
    survey_round = draft_round()

    page = manager_client.get(reverse("surveys:round_launch", args=[survey_round.pk]))

    assert "1 contact will be emailed" in page.content.decode()
    survey_round.refresh_from_db()
    assert survey_round.is_draft


def test_round_opening_later_waits_for_sweep(
    manager_client, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    ContactFactory()
    now = timezone.now()
    survey_round = draft_round(
        opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=20)
    )

    launch(manager_client, survey_round, django_capture_on_commit_callbacks)

    assert Invitation.objects.get().sent_at is None
    assert mailoutbox == []


# Pause, resume and close
# ---------------------------------------------------------------------------


def post_action(http, name, survey_round):
    return http.post(reverse(f"surveys:{name}", args=[survey_round.pk]), follow=True)


def test_pause_resume_close_change_status(manager_client):
    survey_round = SurveyRoundFactory(survey=build_survey())

    post_action(manager_client, "round_pause", survey_round)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.PAUSED

    post_action(manager_client, "round_resume", survey_round)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN

    post_action(manager_client, "round_close", survey_round)
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.CLOSED
    assert survey_round.closed_at is not None
    statuses = [
        event.changes["status"]
        for event in AuditEvent.objects.filter(target_id=str(survey_round.pk))
    ]
    assert ["open", "closed"] in statuses
    assert ["open", "paused"] in statuses


def test_closed_round_cannot_resume(manager_client):
    survey_round = SurveyRoundFactory(survey=build_survey(), status="closed")

    page = post_action(manager_client, "round_resume", survey_round)

    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.CLOSED
    assert "cannot be changed to open" in page.content.decode()


def test_close_page_asks_first(manager_client):
    survey_round = SurveyRoundFactory(survey=build_survey())

    page = manager_client.get(reverse("surveys:round_close", args=[survey_round.pk]))

    assert "Yes, close the round" in page.content.decode()
    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN


# Lists and who reaches them
# ---------------------------------------------------------------------------


def test_round_list_filters_by_status(manager_client):
    SurveyRoundFactory(name="Open one")
    SurveyRoundFactory(name="Closed one", status="closed")

    response = manager_client.get(reverse("surveys:round_list"), {"status": "closed"})

    assert [r.name for r in response.context["page_obj"]] == ["Closed one"]


def test_round_list_searches_survey_title(manager_client):
    SurveyRoundFactory(survey=SurveyFactory(title="Parish survey"), name="Autumn")
    SurveyRoundFactory(name="Spring")

    response = manager_client.get(reverse("surveys:round_list"), {"q": "parish"})

    assert [r.name for r in response.context["page_obj"]] == ["Autumn"]


def test_round_list_query_count_flat(manager_client):
    url = reverse("surveys:round_list")
    SurveyRoundFactory.create_batch(5)
    few = count_queries(manager_client, url)

    SurveyRoundFactory.create_batch(45)
    many = count_queries(manager_client, url)

    assert many == few


def test_round_detail_query_count_flat(manager_client):
    survey_round = SurveyRoundFactory(audience="contacts")
    url = reverse("surveys:round_detail", args=[survey_round.pk])
    survey_round.contacts.add(*ContactFactory.create_batch(5))
    few = count_queries(manager_client, url)

    survey_round.contacts.add(*ContactFactory.create_batch(45))
    many = count_queries(manager_client, url)

    assert many == few


ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
MANAGERS = ALL_STAFF - {"lawyer"}

ROUND_PAGES = [
    ("surveys:round_list", False, "get", ALL_STAFF),
    ("surveys:round_create", False, "get", MANAGERS),
    ("surveys:round_detail", True, "get", ALL_STAFF),
    ("surveys:round_edit", True, "get", MANAGERS),
    ("surveys:round_launch", True, "get", MANAGERS),
    ("surveys:round_pause", True, "post", MANAGERS),
    ("surveys:round_resume", True, "post", MANAGERS),
    ("surveys:round_close", True, "get", MANAGERS),
    ("surveys:round_delete", True, "get", MANAGERS),
]


@pytest.mark.parametrize(("name", "with_pk", "method", "admitted"), ROUND_PAGES)
def test_round_pages_by_role(
    client, staff_users, portal_user, other_portal_user, name, with_pk, method, admitted
):
    survey_round = draft_round()
    url = reverse(name, args=[survey_round.pk] if with_pk else [])

    def fetch():
        return client.post(url) if method == "post" else client.get(url)

    anonymous = fetch()
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))

    for user in (portal_user, other_portal_user):
        client.force_login(user)
        assert fetch().status_code in (403, 404), user

    for role, user in staff_users.items():
        sign_in(client, user)
        status = fetch().status_code
        if role in admitted:
            assert status in (200, 302), role
        else:
            assert status == 403, role
