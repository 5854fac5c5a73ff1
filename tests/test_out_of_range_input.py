"""Dates and ids at the edge of what Python and the database hold never crash a page."""

from django.urls import reverse

from accounts.models import AuditEvent
from tests.auth import sign_in


def test_audit_search_until_last_date(client, administrator):
    sign_in(client, administrator)

    response = client.get(reverse("accounts:audit_trail"), {"until": "9999-12-31"})

    assert response.status_code == 200


def test_audit_export_with_last_date(client, administrator):
    sign_in(client, administrator)
    url = reverse("accounts:audit_export", kwargs={"file_format": "csv"})

    response = client.get(url, {"until": "9999-12-31"})

    assert response.status_code == 200


def test_audit_export_invalid_search_refused(client, administrator):
    sign_in(client, administrator)
    url = reverse("accounts:audit_export", kwargs={"file_format": "csv"})

    response = client.get(url, {"since": "not a date"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:audit_trail"))
    assert "since=not+a+date" in response["Location"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_timesheet_week_at_date_limits(client, lawyer):
    sign_in(client, lawyer)
    url = reverse("clients:timesheet")

    for week in ("9999-12-31", "9999-12-27", "0001-01-01"):
        response = client.get(url, {"week": week})
        assert response.status_code == 200, week


def test_survey_answer_huge_round_id(client):
    url = reverse("surveys:answer", args=[10**20, "not-a-token"])

    response = client.get(url)

    assert response.status_code == 404
