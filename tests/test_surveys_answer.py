"""The public answer page: tokens, validation, double submission and opt-out."""

import datetime as dt
import hashlib
import threading

import pytest
from django.db import connection, connections
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from feedback.models import (
    Answer,
    Invitation,
    InvitationToken,
    Question,
    Response,
    SurveyOptOut,
)
from feedback.surveys import public_views
from feedback.surveys.tokens import new_token

from .factories import ContactFactory, InvitationFactory, SurveyRoundFactory
from .survey_fixtures import (
    answer_url,
    closed_round,
    issue_token,
    questions_by_kind,
    valid_answers,
)

pytestmark = pytest.mark.django_db


# Tokens
# ---------------------------------------------------------------------------


def test_valid_token_shows_every_question(client, invitation, token, survey):
    response = client.get(answer_url(invitation, token))

    page = response.content.decode()
    assert response.status_code == 200
    for question in survey.questions.all():
        assert question.text in page
    assert "Your answers are anonymous" in page
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_token_stored_only_as_hash(invitation):
    token = issue_token(invitation)

    stored = InvitationToken.objects.get(invitation=invitation)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.token_hash != token
    assert len(token) >= 43


def test_new_tokens_differ():
    tokens = {new_token()[0] for _ in range(50)}

    assert len(tokens) == 50


@pytest.mark.parametrize(
    "bad_token", ["not-a-token", "", "x" * 65, "a" * 43], ids=str.__len__
)
def test_wrong_token_not_found(client, invitation, token, bad_token):
    url = reverse("surveys:answer", args=[invitation.round_id, bad_token or "x"])

    response = client.get(url)

    assert response.status_code == 404
    assert "This survey link is not valid" in response.content.decode()


def test_other_rounds_token_not_found(client, invitation, token, survey):
    other_round = SurveyRoundFactory(survey=survey)

    response = client.get(reverse("surveys:answer", args=[other_round.pk, token]))

    assert response.status_code == 404


def test_expired_token_gone_after_closing_time(client, invitation, token):
    survey_round = invitation.round
    survey_round.opens_at = timezone.now() - dt.timedelta(days=30)
    survey_round.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey_round.save()

    get = client.get(answer_url(invitation, token))
    post = client.post(
        answer_url(invitation, token), valid_answers(survey_round.survey)
    )

    assert get.status_code == 410
    assert "This survey has closed" in get.content.decode()
    assert post.status_code == 410
    assert not Response.objects.exists()


def test_closed_round_token_gone(client, survey, school):
    survey_round = closed_round(survey)
    invitation = InvitationFactory(round=survey_round, contact__client=school)
    token = issue_token(invitation)

    response = client.get(answer_url(invitation, token))

    assert response.status_code == 410


@pytest.mark.parametrize("status", ["paused", "draft"])
def test_paused_round_takes_no_answers(client, invitation, token, status):
    invitation.round.status = status
    invitation.round.save()

    response = client.post(
        answer_url(invitation, token), valid_answers(invitation.round.survey)
    )

    assert response.status_code == 409
    assert "not taking answers right now" in response.content.decode()
    assert not Response.objects.exists()


def test_round_not_yet_open_takes_no_answers(client, invitation, token):
    invitation.round.opens_at = timezone.now() + dt.timedelta(hours=2)
    invitation.round.save()

    response = client.get(answer_url(invitation, token))

    assert response.status_code == 409
    assert "not open yet" in response.content.decode()


def test_reminder_token_works_like_first(client, invitation, token, survey):
    second = issue_token(invitation)

    response = client.post(answer_url(invitation, second), valid_answers(survey))

    assert response.status_code == 302
    assert client.get(answer_url(invitation, token)).status_code == 200
    assert (
        "already answered" in client.get(answer_url(invitation, token)).content.decode()
    )


# Validation
# ---------------------------------------------------------------------------


def test_missing_answers_named_beside_questions(client, invitation, token, survey):
    by_kind = questions_by_kind(survey)
    data = valid_answers(survey, free_text="Keep this comment")
    del data[f"q{by_kind['rating'].pk}"]
    del data[f"q{by_kind['single_choice'].pk}"]

    response = client.post(answer_url(invitation, token), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "2 questions need attention" in page
    assert "Choose a score for this question." in page
    assert "Choose one option." in page
    assert f'id="id_q{by_kind["rating"].pk}-error"' in page
    assert "Keep this comment" in page
    nps_choice = 'value="9" checked'
    assert nps_choice in page
    assert not Response.objects.exists()


def test_optional_questions_may_be_blank(client, invitation, token, survey):
    by_kind = questions_by_kind(survey)
    data = valid_answers(survey)
    del data[f"q{by_kind['multiple_choice'].pk}"]
    data[f"q{by_kind['free_text'].pk}"] = "   "

    response = client.post(answer_url(invitation, token), data)

    assert response.status_code == 302
    kinds = set(Answer.objects.values_list("question__kind", flat=True))
    assert kinds == {"rating", "nps", "single_choice"}


@pytest.mark.parametrize(
    ("kind", "value"),
    [("rating", "0"), ("rating", "6"), ("nps", "11"), ("nps", "-1"), ("rating", "x")],
)
def test_score_outside_scale_rejected(client, invitation, token, survey, kind, value):
    data = valid_answers(survey)
    data[f"q{questions_by_kind(survey)[kind].pk}"] = value

    response = client.post(answer_url(invitation, token), data)

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Response.objects.exists()


def test_choice_of_other_question_rejected(client, invitation, token, survey):
    by_kind = questions_by_kind(survey)
    data = valid_answers(survey)
    foreign = by_kind["multiple_choice"].choices.first()
    data[f"q{by_kind['single_choice'].pk}"] = str(foreign.pk)

    response = client.post(answer_url(invitation, token), data)

    assert response.status_code == 400
    assert not Response.objects.exists()


def test_overlong_comment_rejected(client, invitation, token, survey):
    data = valid_answers(survey, free_text="x" * 5001)

    response = client.post(answer_url(invitation, token), data)

    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()


# Recording a response
# ---------------------------------------------------------------------------


def test_answers_recorded_anonymously(client, invitation, token, survey, lawyer):
    response = client.post(answer_url(invitation, token), valid_answers(survey))

    assert response.url == reverse("surveys:thanks", args=[invitation.round_id, token])
    recorded = Response.objects.get()
    assert recorded.invitation is None
    assert recorded.client == invitation.contact.client
    assert recorded.client_kind == invitation.contact.client.kind
    assert recorded.lawyer == lawyer
    assert recorded.team == lawyer.profile.team
    assert recorded.submitted_on == timezone.localdate()
    by_kind = questions_by_kind(survey)
    answers = {a.question_id: a for a in Answer.objects.filter(choice__isnull=True)}
    assert answers[by_kind["rating"].pk].score == 4
    assert answers[by_kind["nps"].pk].score == 9
    assert answers[by_kind["free_text"].pk].text == "Quick and clear."
    ticked = Answer.objects.filter(question=by_kind["multiple_choice"])
    assert ticked.count() == 2
    invitation.refresh_from_db()
    assert invitation.responded_at is not None
    assert invitation.next_reminder_at is None


def test_named_round_links_response(client, invitation, token, survey):
    invitation.round.is_named = True
    invitation.round.save()

    client.post(answer_url(invitation, token), valid_answers(survey))

    assert Response.objects.get().invitation == invitation


def test_thanks_page_after_answering(client, invitation, token, survey):
    page = client.post(
        answer_url(invitation, token), valid_answers(survey), follow=True
    )

    assert "Thank you" in page.content.decode()


def test_thanks_before_answering_redirects(client, invitation, token):
    response = client.get(reverse("surveys:thanks", args=[invitation.round_id, token]))

    assert response.url == answer_url(invitation, token)


def test_second_submission_records_nothing(client, invitation, token, survey):
    url = answer_url(invitation, token)

    first = client.post(url, valid_answers(survey, rating=5))
    second = client.post(url, valid_answers(survey, rating=1))
    again = client.get(url)

    assert first.status_code == 302
    assert second.status_code == 409
    assert "This survey was already answered" in second.content.decode()
    assert again.status_code == 200
    assert "This survey was already answered" in again.content.decode()
    assert Response.objects.count() == 1
    rating = questions_by_kind(survey)["rating"]
    assert list(
        Answer.objects.filter(question=rating).values_list("score", flat=True)
    ) == [5]


def test_staff_cannot_answer_for_client(client, invitation, token, survey, lawyer):
    client.force_login(lawyer)

    get = client.get(answer_url(invitation, token))
    post = client.post(answer_url(invitation, token), valid_answers(survey))

    assert get.status_code == 403
    assert "staff cannot answer a survey on a client's behalf" in get.content.decode()
    assert post.status_code == 403
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_portal_user_may_answer_by_link(client, invitation, token, survey, portal_user):
    client.force_login(portal_user)

    response = client.post(answer_url(invitation, token), valid_answers(survey))

    assert response.status_code == 302
    assert Response.objects.count() == 1


# Two submissions at once
# ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_record_once(monkeypatch, survey, school, lawyer):
    # Both requests pass every check before either marks the invitation
    # answered: the barrier holds each one at the start of submit_response.
    survey_round = SurveyRoundFactory(survey=survey)
    invitation = InvitationFactory(
        round=survey_round, contact=ContactFactory(client=school), lawyer=lawyer
    )
    token = issue_token(invitation)
    barrier = threading.Barrier(2, timeout=20)
    submit = public_views.submit_response

    def submit_together(**kwargs):
        barrier.wait()
        return submit(**kwargs)

    monkeypatch.setattr(public_views, "submit_response", submit_together)
    statuses = []

    def post_answers(rating):
        try:
            response = HttpClient().post(
                answer_url(invitation, token), valid_answers(survey, rating=rating)
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post_answers, args=(r,)) for r in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [302, 409]
    assert Response.objects.count() == 1
    rating = questions_by_kind(survey)["rating"]
    assert Answer.objects.filter(question=rating).count() == 1
    assert Invitation.objects.get().responded_at is not None
    if connection.vendor == "postgresql":
        # The low score of one of the two created at most one follow-up.
        assert Response.objects.filter(follow_up__isnull=False).count() <= 1


# Opt-out
# ---------------------------------------------------------------------------


def opt_out_url(invitation, token):
    return reverse("surveys:opt_out", args=[invitation.round_id, token])


def test_opt_out_link_asks_first(client, invitation, token):
    response = client.get(opt_out_url(invitation, token))

    assert response.status_code == 200
    assert "Yes, opt me out" in response.content.decode()
    assert not SurveyOptOut.objects.exists()


def test_opt_out_recorded_once(client, invitation, token):
    client.post(opt_out_url(invitation, token))
    page = client.post(opt_out_url(invitation, token))

    assert "You will receive no more survey emails" in page.content.decode()
    opt_out = SurveyOptOut.objects.get()
    assert opt_out.contact == invitation.contact
    assert opt_out.source == SurveyOptOut.Source.LINK


def test_opt_out_works_after_round_closed(client, survey, school):
    invitation = InvitationFactory(round=closed_round(survey), contact__client=school)
    token = issue_token(invitation)

    client.post(opt_out_url(invitation, token))

    assert SurveyOptOut.objects.filter(contact=invitation.contact).exists()


def test_opt_out_wrong_token_not_found(client, invitation, token):
    response = client.post(reverse("surveys:opt_out", args=[invitation.round_id, "x"]))

    assert response.status_code == 404
    assert not SurveyOptOut.objects.exists()


def test_answer_page_links_opt_out(client, invitation, token):
    page = client.get(answer_url(invitation, token)).content.decode()

    assert opt_out_url(invitation, token) in page


def test_question_kinds_all_rendered(client, invitation, token, survey):
    page = client.get(answer_url(invitation, token)).content.decode()

    nps = questions_by_kind(survey)[Question.Kind.NPS]
    assert page.count(f'name="q{nps.pk}"') == 11
    assert "0 means not at all likely and 10 extremely likely." in page
