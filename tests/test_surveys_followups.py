"""Post-matter surveys, low-score follow-ups, you said we did, portal selectors."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Interaction
from clients.services_matters import close_matter
from clients.working_days import add_working_days
from feedback.models import Invitation, SurveyOptOut, SurveyRound, YouSaidWeDid
from feedback.surveys import matters
from feedback.surveys.selectors import surveys_waiting_for, you_said_we_did_for

from .auth import sign_in
from .factories import (
    ClientFactory,
    ContactFactory,
    InvitationFactory,
    MatterFactory,
    SurveyRoundFactory,
)
from .survey_fixtures import (
    answer_url,
    count_queries,
    issue_token,
    valid_answers,
)

pytestmark = pytest.mark.django_db


# Low scores
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "nps", "expected"),
    [(2, 9, True), (1, 10, True), (3, 7, False), (5, 6, True), (4, 0, True)],
)
def test_low_score_creates_follow_up(
    client, invitation, token, survey, lawyer, rating, nps, expected
):
    client.post(
        answer_url(invitation, token), valid_answers(survey, rating=rating, nps=nps)
    )

    follow_ups = Interaction.objects.filter(staff=lawyer)
    assert follow_ups.exists() is expected


def test_follow_up_for_relationship_owner(client, invitation, token, survey, lawyer):
    client.post(answer_url(invitation, token), valid_answers(survey, rating=2, nps=9))

    follow_up = Interaction.objects.get()
    assert follow_up.client == invitation.contact.client
    assert follow_up.staff == lawyer
    assert follow_up.kind == Interaction.Kind.SERVICE_QUERY
    assert (
        follow_up.follow_up_action == "Contact the client about their low survey score"
    )
    assert follow_up.follow_up_due == add_working_days(timezone.localdate(), 3)
    assert "2 out of 5 for “Overall rating”" in follow_up.summary
    assert "An anonymous contact" in follow_up.summary
    assert invitation.contact.full_name not in follow_up.summary
    assert not follow_up.contacts.exists()
    assert invitation.round.responses.get().follow_up == follow_up


def test_follow_up_goes_to_key_account_owner(client, invitation, token, survey, lawyer):
    from .factories import KeyAccountFactory

    account = KeyAccountFactory(client=invitation.contact.client)

    client.post(answer_url(invitation, token), valid_answers(survey, rating=1, nps=9))

    follow_up = Interaction.objects.get()
    assert follow_up.staff == account.owner
    assert follow_up.staff != lawyer


def test_named_follow_up_names_contact(client, invitation, token, survey):
    invitation.round.is_named = True
    invitation.round.save()

    client.post(answer_url(invitation, token), valid_answers(survey, nps=3))

    follow_up = Interaction.objects.get()
    assert follow_up.summary.startswith("Gwen Davies gave a low score")
    assert list(follow_up.contacts.all()) == [invitation.contact]


def test_low_score_threshold_configurable(client, invitation, token, survey, settings):
    settings.SURVEY_LOW_RATING = 3

    client.post(answer_url(invitation, token), valid_answers(survey, rating=3, nps=8))

    assert Interaction.objects.count() == 1


def test_no_owner_no_follow_up(client, invitation, token, survey, caplog):
    school = invitation.contact.client
    school.relationship_owner = None
    school.save()

    with caplog.at_level(logging.WARNING, logger="feedback.surveys.followups"):
        client.post(answer_url(invitation, token), valid_answers(survey, rating=1))

    assert not Interaction.objects.exists()
    assert "no active relationship owner" in caplog.text


# Post-matter surveys
# ---------------------------------------------------------------------------


@pytest.fixture
def matter_round(survey):
    return SurveyRoundFactory(
        survey=survey, audience="matter_closed", name="After matters"
    )


@pytest.fixture
def matter(school, lawyer):
    contact = ContactFactory(client=school, full_name="Instructing Officer")
    return MatterFactory(
        client=school, client_contact=contact, responsible_lawyer=lawyer
    )


def close(matter, actor, callbacks):
    with callbacks(execute=True):
        close_matter(matter=matter, closed_on=timezone.localdate(), actor=actor)


def test_closing_matter_invites_contact(
    matter,
    matter_round,
    lawyer,
    eager_celery,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    close(matter, lawyer, django_capture_on_commit_callbacks)

    invitation = Invitation.objects.get()
    assert invitation.round == matter_round
    assert invitation.contact == matter.client_contact
    assert invitation.lawyer == lawyer
    assert invitation.matter_reference == matter.reference
    assert invitation.sent_at is not None
    [message] = mailoutbox
    assert message.to == [matter.client_contact.email]


def test_cool_down_stops_second_invitation(
    matter, matter_round, lawyer, school, django_capture_on_commit_callbacks
):
    earlier_round = SurveyRoundFactory(survey=matter_round.survey)
    InvitationFactory(
        round=earlier_round,
        contact=matter.client_contact,
        created_at=timezone.now() - dt.timedelta(days=89),
    )

    close(matter, lawyer, django_capture_on_commit_callbacks)

    assert not Invitation.objects.filter(round=matter_round).exists()


def test_invitation_after_cool_down(
    matter, matter_round, lawyer, settings, django_capture_on_commit_callbacks
):
    settings.SURVEY_COOLDOWN_DAYS = 30
    InvitationFactory(
        round=SurveyRoundFactory(survey=matter_round.survey),
        contact=matter.client_contact,
        created_at=timezone.now() - dt.timedelta(days=31),
    )

    close(matter, lawyer, django_capture_on_commit_callbacks)

    assert Invitation.objects.filter(round=matter_round).count() == 1


def test_two_matters_one_invitation(
    matter, matter_round, lawyer, school, django_capture_on_commit_callbacks
):
    second = MatterFactory(
        client=school, client_contact=matter.client_contact, responsible_lawyer=lawyer
    )

    close(matter, lawyer, django_capture_on_commit_callbacks)
    close(second, lawyer, django_capture_on_commit_callbacks)

    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    "case", ["no round", "paused round", "opted out", "no contact"]
)
def test_matter_close_without_invitation(
    matter, matter_round, lawyer, case, django_capture_on_commit_callbacks
):
    if case == "no round":
        matter_round.delete()
    elif case == "paused round":
        matter_round.status = SurveyRound.Status.PAUSED
        matter_round.save()
    elif case == "opted out":
        SurveyOptOut.objects.create(contact=matter.client_contact)
    else:
        matter.client_contact = None
        matter.save()

    close(matter, lawyer, django_capture_on_commit_callbacks)

    matter.refresh_from_db()
    assert matter.status == "closed"
    assert not Invitation.objects.exists()


def test_survey_failure_never_blocks_close(
    matter,
    matter_round,
    lawyer,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    from django.db import DatabaseError

    def broken(**kwargs):
        raise DatabaseError("simulated")

    monkeypatch.setattr(matters, "invite_after_matter", broken)
    with caplog.at_level(logging.ERROR, logger="feedback.surveys.matters"):
        close(matter, lawyer, django_capture_on_commit_callbacks)

    matter.refresh_from_db()
    assert matter.status == "closed"
    assert f"matter {matter.pk} failed" in caplog.text


def test_launch_matter_round_invites_nobody(client, practice_manager, survey):
    ContactFactory()
    survey_round = SurveyRoundFactory(
        survey=survey, audience="matter_closed", status="draft", launched_at=None
    )
    client.force_login(practice_manager)

    client.post(reverse("surveys:round_launch", args=[survey_round.pk]))

    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.OPEN
    assert not Invitation.objects.exists()


# You said, we did
# ---------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, practice_manager):
    client.force_login(practice_manager)
    return client


def test_manager_publishes_item(manager_client, school):
    response = manager_client.post(
        reverse("surveys:yswd_create"),
        {
            "client": school.pk,
            "you_said": "Replies took too long.",
            "we_did": "We now reply within two working days.",
            "is_published": "on",
        },
    )

    item = YouSaidWeDid.objects.get()
    assert response.url == reverse("surveys:yswd_list")
    assert item.is_published
    assert item.published_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).exists()


def test_unpublishing_clears_published_time(manager_client):
    item = YouSaidWeDid.objects.create(
        you_said="A", we_did="B", is_published=True, published_at=timezone.now()
    )

    manager_client.post(
        reverse("surveys:yswd_edit", args=[item.pk]), {"you_said": "A", "we_did": "B"}
    )

    item.refresh_from_db()
    assert not item.is_published
    assert item.published_at is None


def test_item_needs_both_texts(manager_client):
    response = manager_client.post(
        reverse("surveys:yswd_create"), {"you_said": "Kept text", "we_did": ""}
    )

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not YouSaidWeDid.objects.exists()


def test_item_list_filters_published(manager_client):
    YouSaidWeDid.objects.create(you_said="Shown", we_did="x", is_published=True)
    YouSaidWeDid.objects.create(you_said="Hidden", we_did="x")

    response = manager_client.get(reverse("surveys:yswd_list"), {"published": "no"})

    assert [i.you_said for i in response.context["page_obj"]] == ["Hidden"]


def test_item_list_query_count_flat(manager_client):
    url = reverse("surveys:yswd_list")
    YouSaidWeDid.objects.bulk_create(
        YouSaidWeDid(you_said=f"S{n}", we_did="D", client=ClientFactory())
        for n in range(5)
    )
    few = count_queries(manager_client, url)
    YouSaidWeDid.objects.bulk_create(
        YouSaidWeDid(you_said=f"M{n}", we_did="D", client=ClientFactory())
        for n in range(45)
    )

    assert count_queries(manager_client, url) == few


def test_item_deleted_after_confirmation(manager_client):
    item = YouSaidWeDid.objects.create(you_said="A", we_did="B")
    url = reverse("surveys:yswd_delete", args=[item.pk])

    assert "Yes, delete" in manager_client.get(url).content.decode()
    manager_client.post(url)

    assert not YouSaidWeDid.objects.exists()


def test_selector_lists_own_and_service_items(client_org, other_client_org):
    mine = YouSaidWeDid.objects.create(
        client=client_org,
        you_said="Mine",
        we_did="x",
        is_published=True,
        published_at=timezone.now(),
    )
    everyone = YouSaidWeDid.objects.create(
        you_said="All",
        we_did="x",
        is_published=True,
        published_at=timezone.now() - dt.timedelta(days=1),
    )
    YouSaidWeDid.objects.create(
        client=other_client_org, you_said="Theirs", we_did="x", is_published=True
    )
    YouSaidWeDid.objects.create(client=client_org, you_said="Draft", we_did="x")

    items = list(you_said_we_did_for([client_org.pk]))

    assert items == [mine, everyone]


ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
YSWD_PAGES = [
    ("surveys:yswd_list", False, ALL_STAFF),
    ("surveys:yswd_create", False, ALL_STAFF - {"lawyer"}),
    ("surveys:yswd_edit", True, ALL_STAFF - {"lawyer"}),
    ("surveys:yswd_delete", True, ALL_STAFF - {"lawyer"}),
]


@pytest.mark.parametrize(("name", "with_pk", "admitted"), YSWD_PAGES)
def test_yswd_pages_by_role(
    client, staff_users, portal_user, other_portal_user, name, with_pk, admitted
):
    item = YouSaidWeDid.objects.create(you_said="A", we_did="B")
    url = reverse(name, args=[item.pk] if with_pk else [])

    assert client.get(url).status_code == 302
    for user in (portal_user, other_portal_user):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404)
    for role, user in staff_users.items():
        sign_in(client, user)
        expected = 200 if role in admitted else 403
        assert client.get(url).status_code == expected, role


# Surveys waiting for a portal user
# ---------------------------------------------------------------------------


@pytest.fixture
def portal_invitation(portal_user, client_org, survey):
    contact = ContactFactory(client=client_org, email="Portal@Example.org")
    return InvitationFactory(round=SurveyRoundFactory(survey=survey), contact=contact)


def test_waiting_surveys_match_email_and_organisation(
    portal_user, portal_invitation, other_client_org, survey
):
    ContactFactory(client=other_client_org, email=portal_user.email)
    InvitationFactory(
        round=SurveyRoundFactory(survey=survey),
        contact=ContactFactory(client=other_client_org, email=portal_user.email),
    )

    assert list(surveys_waiting_for(portal_user)) == [portal_invitation]


@pytest.mark.parametrize("case", ["answered", "closed", "paused"])
def test_waiting_surveys_leave_out_finished(portal_user, portal_invitation, case):
    if case == "answered":
        portal_invitation.responded_at = timezone.now()
        portal_invitation.save()
    else:
        portal_invitation.round.status = case
        portal_invitation.round.save()

    assert not surveys_waiting_for(portal_user).exists()


def test_portal_user_opens_waiting_survey(
    client, portal_user, portal_invitation, survey
):
    client.force_login(portal_user)

    response = client.get(
        reverse("surveys:answer_from_portal", args=[portal_invitation.pk]), follow=True
    )

    assert response.status_code == 200
    assert survey.title in response.content.decode()
    assert portal_invitation.tokens.count() == 1


def test_other_portal_user_cannot_open_it(client, other_portal_user, portal_invitation):
    client.force_login(other_portal_user)

    response = client.get(
        reverse("surveys:answer_from_portal", args=[portal_invitation.pk])
    )

    assert response.status_code == 404
    assert not portal_invitation.tokens.exists()


def test_staff_cannot_open_portal_survey(client, lawyer, portal_invitation):
    client.force_login(lawyer)

    response = client.get(
        reverse("surveys:answer_from_portal", args=[portal_invitation.pk])
    )

    assert response.status_code == 403


def test_answered_from_portal_counts_once(
    client, portal_user, portal_invitation, survey
):
    client.force_login(portal_user)
    token = issue_token(portal_invitation)
    client.post(answer_url(portal_invitation, token), valid_answers(survey))

    response = client.get(
        reverse("surveys:answer_from_portal", args=[portal_invitation.pk])
    )

    assert response.status_code == 404
