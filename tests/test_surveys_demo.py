"""The demo surveys that seed_demo loads."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from feedback.models import Response, Survey, SurveyRound, YouSaidWeDid

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_demo_has_closed_and_open_rounds(seeded):
    closed = SurveyRound.objects.get(status=SurveyRound.Status.CLOSED)
    opened = SurveyRound.objects.get(status=SurveyRound.Status.OPEN)

    assert closed.responses.count() >= 10
    assert opened.invitations.exists()
    assert opened.accepts_answers()
    assert YouSaidWeDid.objects.published().count() == 2


def test_demo_results_page_opens(seeded, client):
    from accounts.models import User

    client.force_login(User.objects.get(email="manager@example.org"))
    closed = SurveyRound.objects.get(status=SurveyRound.Status.CLOSED)

    response = client.get(reverse("surveys:results", args=[closed.pk]))

    assert response.status_code == 200
    assert response.context["results"].responses == closed.responses.count()


def test_demo_reset_replaces_surveys(seeded):
    responses = Response.objects.count()

    call_command("seed_demo", "--reset", stdout=StringIO())

    assert Survey.objects.count() == 1
    assert SurveyRound.objects.count() == 2
    assert Response.objects.count() == responses
    assert YouSaidWeDid.objects.count() == 2
