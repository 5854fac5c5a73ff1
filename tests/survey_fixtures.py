"""Fixtures and helpers shared by the survey tests."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import InvitationToken, Question, SurveyRound
from feedback.surveys.tokens import new_token

from .factories import (
    ClientFactory,
    ContactFactory,
    InvitationFactory,
    QuestionFactory,
    SurveyFactory,
    SurveyRoundFactory,
)


def build_survey(**kwargs):
    """A survey with one question of each kind, in this order."""
    survey = SurveyFactory(**kwargs)
    QuestionFactory(survey=survey, position=0, kind="rating", text="Overall rating")
    QuestionFactory(survey=survey, position=1, kind="nps", text="Recommend us?")
    QuestionFactory(
        survey=survey,
        position=2,
        kind="single_choice",
        text="How did you contact us?",
        choices=["Phone", "Email", "Portal"],
    )
    QuestionFactory(
        survey=survey,
        position=3,
        kind="multiple_choice",
        text="What went well?",
        required=False,
        choices=["Speed", "Clarity", "Courtesy"],
    )
    QuestionFactory(
        survey=survey,
        position=4,
        kind="free_text",
        text="Anything else?",
        required=False,
    )
    return survey


def count_queries(http, url):
    """Return the number of SQL queries a GET of ``url`` makes, checking it is 200."""
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


def questions_by_kind(survey):
    return {question.kind: question for question in survey.questions.all()}


def issue_token(invitation, *, sent=True):
    """Store a new token for ``invitation`` and return it, marking it sent."""
    token, token_hash = new_token()
    InvitationToken.objects.create(invitation=invitation, token_hash=token_hash)
    if sent and invitation.sent_at is None:
        invitation.sent_at = invitation.last_emailed_at = timezone.now()
        invitation.save(update_fields=["sent_at", "last_emailed_at"])
    return token


def answer_url(invitation, token):
    return reverse("surveys:answer", args=[invitation.round_id, token])


def valid_answers(survey, *, rating=4, nps=9, free_text="Quick and clear."):
    """POST data answering every question of a ``build_survey`` survey."""
    by_kind = questions_by_kind(survey)
    single = by_kind[Question.Kind.SINGLE_CHOICE]
    multiple = by_kind[Question.Kind.MULTIPLE_CHOICE]
    return {
        f"q{by_kind[Question.Kind.RATING].pk}": str(rating),
        f"q{by_kind[Question.Kind.NPS].pk}": str(nps),
        f"q{single.pk}": str(single.choices.first().pk),
        f"q{multiple.pk}": [str(c.pk) for c in multiple.choices.all()[:2]],
        f"q{by_kind[Question.Kind.FREE_TEXT].pk}": free_text,
    }


@pytest.fixture
def survey(db):
    return build_survey(title="Client satisfaction 2026")


@pytest.fixture
def school(lawyer):
    return ClientFactory(name="Marlott Primary School", relationship_owner=lawyer)


@pytest.fixture
def survey_round(survey):
    """An open, anonymous round of named contacts, open since yesterday."""
    return SurveyRoundFactory(survey=survey, name="Spring 2026")


@pytest.fixture
def invitation(survey_round, school, lawyer):
    contact = ContactFactory(client=school, full_name="Gwen Davies")
    return InvitationFactory(round=survey_round, contact=contact, lawyer=lawyer)


@pytest.fixture
def token(invitation):
    return issue_token(invitation)


def closed_round(survey, **kwargs):
    now = timezone.now()
    return SurveyRoundFactory(
        survey=survey,
        status=SurveyRound.Status.CLOSED,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=2),
        closed_at=now - dt.timedelta(days=2),
        **kwargs,
    )


@pytest.fixture
def eager_celery():
    """Run queued Celery tasks at once, in the test process."""
    from crm_site.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False
