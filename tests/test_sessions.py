"""Idle sessions are signed out, and signing out ends the session on the server.

The clock moves by rewriting the time of last activity stored in the session,
or by patching ``django.utils.timezone.now``; nothing sleeps.
"""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from crm_site.middleware import SessionIdleTimeoutMiddleware

from .factories import PASSWORD

LAST_ACTIVITY = SessionIdleTimeoutMiddleware.LAST_ACTIVITY_KEY
HOME = reverse("home")
PORTAL_HOME = reverse("portal:home")


def idle_for(client, minutes):
    """Move the session's last activity ``minutes`` into the past."""
    session = client.session
    session[LAST_ACTIVITY] = timezone.now().timestamp() - minutes * 60
    session.save()


def sign_in_page(next_path):
    return f"{reverse('accounts:login')}?next={next_path}"


@pytest.mark.parametrize(
    ("minutes_idle", "signed_in"),
    [(1, True), (29, True), (30, True), (32, False), (240, False)],
)
def test_staff_session_idle_limit(client, lawyer, minutes_idle, signed_in):
    # The limit is 30 minutes, checked to the minute: a session idle for up
    # to 31 minutes may still be kept, one idle for 32 never is.
    client.force_login(lawyer)
    idle_for(client, minutes_idle)

    response = client.get(HOME)

    assert (response.status_code == 200) is signed_in


@pytest.mark.parametrize(
    ("minutes_idle", "signed_in"), [(45, True), (60, True), (62, False)]
)
def test_portal_session_idle_limit(client, portal_user, minutes_idle, signed_in):
    client.force_login(portal_user)
    idle_for(client, minutes_idle)

    response = client.get(PORTAL_HOME)

    assert (response.status_code == 200) is signed_in


def test_idle_sign_out_redirects_with_message(client, lawyer):
    client.force_login(lawyer)
    idle_for(client, 45)

    response = client.get(reverse("clients:list"), follow=True)

    assert response.redirect_chain == [(sign_in_page(reverse("clients:list")), 302)]
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "You were signed out after 30 minutes without activity."
    ]
    assert not response.wsgi_request.user.is_authenticated


def test_idle_limit_comes_from_settings(client, lawyer, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client.force_login(lawyer)
    idle_for(client, 7)

    response = client.get(HOME, follow=True)

    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == ["You were signed out after 5 minutes without activity."]


def test_portal_limit_has_own_setting(client, portal_user, settings):
    settings.PORTAL_SESSION_IDLE_TIMEOUT_MINUTES = 10
    client.force_login(portal_user)
    idle_for(client, 12)

    response = client.get(PORTAL_HOME)

    assert response.status_code == 302


def test_idle_sign_out_ends_old_session(client, lawyer):
    client.force_login(lawyer)
    old_key = client.session.session_key
    idle_for(client, 45)

    client.get(HOME)

    assert not Session.objects.filter(session_key=old_key).exists()


def test_idle_sign_out_is_audited(client, lawyer):
    client.force_login(lawyer)
    idle_for(client, 45)

    client.get(HOME)

    assert AuditEvent.objects.filter(
        actor=lawyer, action=AuditEvent.Action.SIGN_OUT
    ).exists()


def test_requests_keep_session_alive(client, lawyer):
    # Patching timezone.now moves the clock for the middleware and for the
    # session's own expiry alike.
    start = timezone.now()
    client.force_login(lawyer)

    with mock.patch(
        "django.utils.timezone.now", return_value=start + dt.timedelta(minutes=25)
    ):
        first = client.get(HOME)
    with mock.patch(
        "django.utils.timezone.now", return_value=start + dt.timedelta(minutes=50)
    ):
        second = client.get(HOME)
    with mock.patch(
        "django.utils.timezone.now", return_value=start + dt.timedelta(minutes=90)
    ):
        third = client.get(HOME)

    assert first.status_code == 200
    assert second.status_code == 200
    assert third.status_code == 302


def test_activity_saved_at_most_once_a_minute(client, lawyer):
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        client.force_login(lawyer)
    signed_in_at = client.session[LAST_ACTIVITY]

    with mock.patch(
        "django.utils.timezone.now", return_value=start + dt.timedelta(seconds=30)
    ):
        client.get(HOME)
    after_half_a_minute = client.session[LAST_ACTIVITY]
    with mock.patch(
        "django.utils.timezone.now", return_value=start + dt.timedelta(seconds=90)
    ):
        client.get(HOME)
    after_a_minute_and_a_half = client.session[LAST_ACTIVITY]

    assert signed_in_at == start.timestamp()
    assert after_half_a_minute == signed_in_at
    assert after_a_minute_and_a_half == signed_in_at + 90


def test_sign_in_form_starts_idle_clock(client, lawyer):
    client.post(
        reverse("accounts:login"), {"username": lawyer.email, "password": PASSWORD}
    )

    assert LAST_ACTIVITY in client.session


def test_idle_htmx_request_redirects_whole_page(client, lawyer):
    client.force_login(lawyer)
    idle_for(client, 45)
    client_page = f"http://testserver{reverse('clients:list')}?page=2"

    response = client.get(
        reverse("clients:list"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=client_page
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == sign_in_page("/clients/%3Fpage%3D2")


def test_anonymous_request_creates_no_session(client):
    response = client.get(reverse("accounts:login"))

    assert "sessionid" not in response.cookies


def test_sign_out_ends_session_on_server(client, lawyer):
    client.post(
        reverse("accounts:login"), {"username": lawyer.email, "password": PASSWORD}
    )
    old_key = client.cookies["sessionid"].value

    client.post(reverse("accounts:logout"))
    replayed = Client()
    replayed.cookies["sessionid"] = old_key
    response = replayed.get(HOME)

    assert not Session.objects.filter(session_key=old_key).exists()
    assert response.status_code == 302
    assert response.url == sign_in_page(HOME)
