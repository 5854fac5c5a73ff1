"""Staff viewing the portal as a client: read only, and recorded in the audit trail."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from feedback.models import ArticleVote, Feedback
from feedback.portal_scope import SESSION_VIEW_AS_KEY

from .auth import sign_in

START_URL = reverse("feedback_staff:view_as_start")
STOP_URL = reverse("feedback_staff:view_as_stop")


def start(http, client_org, portal_user=None):
    data = {"client": client_org.pk}
    if portal_user is not None:
        data["portal_user"] = portal_user.pk
    return http.post(START_URL, data)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("lawyer", 403),
        ("practice_manager", 200),
        ("senior_legal_manager", 200),
        ("administrator", 200),
        ("portal_user", 403),
        ("other_portal_user", 403),
    ],
)
def test_view_as_page_by_role(client, request, role, expected):
    sign_in(client, request.getfixturevalue(role))

    assert client.get(START_URL).status_code == expected


def test_view_as_page_anonymous(client, db):
    response = client.get(START_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_manager_sees_portal_as_user(
    client, practice_manager, portal_user, client_org, own_feedback
):
    client.force_login(practice_manager)

    response = start(client, client_org, portal_user)
    home = client.get(reverse("portal:home"))

    content = home.content.decode()
    assert response["Location"] == reverse("portal:home")
    assert home.status_code == 200
    assert "You are viewing the portal as Pat Portal of" in content
    assert own_feedback.subject in content
    assert "Sign out" not in content


def test_organisation_view_shows_portal_feedback(
    client, practice_manager, client_org, own_feedback
):
    client.force_login(practice_manager)

    start(client, client_org)
    content = client.get(reverse("portal:feedback")).content.decode()

    assert own_feedback.subject in content


def test_view_as_start_and_pages_audited(
    client, practice_manager, portal_user, client_org, article_for_all
):
    client.force_login(practice_manager)

    start(client, client_org, portal_user)
    client.get(article_for_all.get_portal_url())

    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_AS_CLIENT)
    assert events.count() == 2
    assert all(event.actor == practice_manager for event in events)
    assert all(event.target_id == str(portal_user.pk) for event in events)
    paths = [event.changes.get("path") for event in events.order_by("pk")]
    assert paths == [None, article_for_all.get_portal_url()]


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("portal:feedback_new", {"kind": "complaint", "subject": "x", "message": "y"}),
        ("portal:article_vote", {"helpful": "yes"}),
        ("portal:switch_organisation", {"client": "client_org"}),
    ],
)
def test_every_portal_write_refused(
    client,
    practice_manager,
    portal_user,
    client_org,
    article_for_all,
    url_name,
    data,
):
    client.force_login(practice_manager)
    start(client, client_org, portal_user)
    args = [article_for_all.slug] if url_name == "portal:article_vote" else []
    if data.get("client") == "client_org":
        data = {"client": client_org.pk}

    response = client.post(reverse(url_name, args=args), data)

    assert response.status_code == 403
    assert not Feedback.objects.exists()
    assert not ArticleVote.objects.exists()


def test_read_only_pages_hide_forms(
    client, practice_manager, portal_user, client_org, article_for_all
):
    client.force_login(practice_manager)
    start(client, client_org, portal_user)

    article = client.get(article_for_all.get_portal_url()).content.decode()
    listing = client.get(reverse("portal:feedback")).content.decode()

    assert reverse("portal:article_vote", args=[article_for_all.slug]) not in article
    assert reverse("portal:feedback_new") not in listing


def test_user_of_other_organisation_rejected(
    client, practice_manager, client_org, portal_user, other_portal_user
):
    client.force_login(practice_manager)

    response = start(client, client_org, other_portal_user)

    assert response.status_code == 400
    assert "is not a portal user of" in response.content.decode()
    assert SESSION_VIEW_AS_KEY not in client.session


def test_stop_returns_to_staff_pages(client, practice_manager, client_org):
    client.force_login(practice_manager)
    start(client, client_org)

    response = client.post(STOP_URL)
    portal = client.get(reverse("portal:home"))

    assert response["Location"] == reverse("home")
    assert portal.status_code == 403


def test_lawyer_with_forged_session_refused(client, lawyer, client_org):
    client.force_login(lawyer)
    session = client.session
    session[SESSION_VIEW_AS_KEY] = {"client_id": client_org.pk, "user_id": None}
    session.save()

    response = client.get(reverse("portal:home"))

    assert response.status_code == 403


def test_permission_removed_mid_view_refused(client, practice_manager, client_org):
    client.force_login(practice_manager)
    start(client, client_org)
    group = Role.PRACTICE_MANAGER.group()
    group.permissions.remove(Permission.objects.get(codename="view_portal_as_client"))

    response = client.get(reverse("portal:home"))

    assert response.status_code == 403


def test_portal_user_cannot_view_as_other(client, portal_user, parish_org):
    client.force_login(portal_user)

    response = start(client, parish_org)

    assert response.status_code == 403
    assert SESSION_VIEW_AS_KEY not in client.session
