"""Portal invitations from the client page, setting a password, and portal sign-in."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import AuditEvent, PortalInvitation, PortalMembership, User
from accounts.roles import Role

from .auth import sign_in
from .factories import PASSWORD, ClientFactory, ContactFactory

NEW_PASSWORD = "river-lantern-copper-71"


@pytest.fixture
def contact(client_org):
    return ContactFactory(
        client=client_org, full_name="Gwen Davies", email="Gwen.Davies@example.org"
    )


def invite_url(contact):
    return reverse(
        "feedback_staff:invite_contact", args=[contact.client_id, contact.pk]
    )


def send_invitation(http, contact):
    response = http.post(invite_url(contact))
    assert response.status_code == 302, response.content.decode()
    return link_from_email(mail.outbox[-1])


def link_from_email(message):
    match = re.search(r"https?://\S+/portal/invitation/\S+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def accept(http, link, password=NEW_PASSWORD):
    return http.post(link, {"new_password1": password, "new_password2": password})


# Sending


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("lawyer", 200),
        ("practice_manager", 200),
        ("senior_legal_manager", 200),
        ("administrator", 200),
        ("portal_user", 403),
        ("other_portal_user", 403),
    ],
)
def test_invite_page_by_role(client, request, contact, role, expected):
    sign_in(client, request.getfixturevalue(role))

    response = client.get(invite_url(contact))

    assert response.status_code == expected


def test_invite_page_sends_anonymous_to_sign_in(client, contact):
    response = client.get(invite_url(contact))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_client_page_offers_invitation(client, lawyer, contact):
    client.force_login(lawyer)

    response = client.get(contact.client.get_absolute_url())

    assert invite_url(contact) in response.content.decode()


def test_invitation_email_sent_and_audited(client, lawyer, contact):
    client.force_login(lawyer)

    link = send_invitation(client, contact)

    message = mail.outbox[0]
    invitation = PortalInvitation.objects.get()
    assert message.to == ["gwen.davies@example.org"]
    assert "Northfield Primary School" in message.subject
    assert invitation.created_by == lawyer
    assert invitation.token_hash == invitations.hash_token(link.split("/")[-2])
    assert link.split("/")[-2] not in invitation.token_hash
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, target_id=str(invitation.pk)
    ).exists()


def test_contact_of_other_client_not_found(client, lawyer, contact, other_client_org):
    client.force_login(lawyer)
    url = reverse(
        "feedback_staff:invite_contact", args=[other_client_org.pk, contact.pk]
    )

    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "", "preferred_channel": "phone"}, "no email address"),
        ({"is_active": False}, "marked inactive"),
        ({"email": "lawyer@example.org"}, "staff account"),
    ],
)
def test_uninvitable_contact_gets_reason(client, lawyer, contact, change, message):
    for field, value in change.items():
        setattr(contact, field, value)
    contact.save()
    client.force_login(lawyer)

    response = client.post(invite_url(contact))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert mail.outbox == []


def test_member_already_cannot_be_invited(client, lawyer, portal_user, client_org):
    existing = ContactFactory(client=client_org, email=portal_user.email)
    client.force_login(lawyer)

    response = client.post(invite_url(existing))

    assert response.status_code == 400
    assert "can already use the portal" in response.content.decode()


def test_failed_email_revokes_invitation(client, lawyer, contact, settings):
    settings.EMAIL_BACKEND = "tests.test_portal_invitations.FailingBackend"
    client.force_login(lawyer)

    response = client.post(invite_url(contact))

    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert PortalInvitation.objects.get().revoked_at is not None


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP server refused the connection")


# Accepting


def test_link_sets_password_and_creates_account(client, lawyer, contact, client_org):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()

    page = client.get(link)
    response = accept(client, link)

    user = User.objects.get(email="gwen.davies@example.org")
    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in")
    assert user.check_password(NEW_PASSWORD)
    assert user.full_name == "Gwen Davies"
    assert user.is_portal_user
    assert list(user.portal_memberships.values_list("client", flat=True)) == [
        client_org.pk
    ]
    assert PortalInvitation.objects.get().accepted_by == user


def test_accepting_does_not_sign_in(client, lawyer, contact):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()

    accept(client, link)

    assert client.session.get("_auth_user_id") is None


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short-1", "too short"),
        ("password1234", "too common"),
        ("1234567890123", "entirely numeric"),
        ("gwen.davies@example", "too similar"),
    ],
)
def test_link_rejects_weak_password(client, lawyer, contact, password, error):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()

    response = accept(client, link, password)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not User.objects.filter(email="gwen.davies@example.org").exists()
    assert PortalInvitation.objects.get().accepted_at is None


def test_link_works_only_once(client, lawyer, contact):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()
    accept(client, link)

    again = client.get(link)
    second_post = accept(client, link, "another-long-phrase-99")

    assert again.status_code == 404
    assert "already been used" in again.content.decode()
    assert second_post.status_code == 404
    user = User.objects.get(email="gwen.davies@example.org")
    assert user.check_password(NEW_PASSWORD)


def test_expired_link_refused(client, lawyer, contact):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()
    PortalInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    page = client.get(link)
    response = accept(client, link)

    assert page.status_code == 404
    assert "expired" in page.content.decode()
    assert response.status_code == 404
    assert not User.objects.filter(email="gwen.davies@example.org").exists()


def test_invitation_expires_after_setting(client, lawyer, contact, settings):
    settings.PORTAL_INVITATION_DAYS = 3
    client.force_login(lawyer)

    send_invitation(client, contact)

    invitation = PortalInvitation.objects.get()
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=3)


def test_newer_invitation_replaces_older(client, lawyer, contact):
    client.force_login(lawyer)
    first = send_invitation(client, contact)
    second = send_invitation(client, contact)
    client.logout()

    old = client.get(first)
    new = client.get(second)

    assert old.status_code == 404
    assert "newer invitation" in old.content.decode()
    assert new.status_code == 200


def test_unknown_token_refused(client, db):
    response = client.get(reverse("portal:invitation", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert "not recognised" in response.content.decode()


def test_existing_portal_user_gains_organisation(client, lawyer, portal_user):
    second = ClientFactory(name="Westmoor Academy")
    contact = ContactFactory(client=second, email=portal_user.email)
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()

    page = client.get(link)
    response = client.post(link)

    assert "already have a portal account" in page.content.decode()
    assert response.status_code == 302
    assert PortalMembership.objects.filter(user=portal_user, client=second).exists()
    portal_user.refresh_from_db()
    assert portal_user.check_password(PASSWORD)


def test_acceptance_refused_when_email_became_staff(client, lawyer, contact):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()
    User.objects.create_user(
        email="gwen.davies@example.org", full_name="Gwen", password=PASSWORD
    ).groups.add(Role.LAWYER.group())

    response = client.post(link)

    assert PortalInvitation.objects.get().accepted_at is None
    assert not PortalMembership.objects.filter(
        user__email="gwen.davies@example.org"
    ).exists()
    assert "cannot use the portal" in response.content.decode()


# Signing in to the portal


def portal_sign_in(http, email, password, address="127.0.0.1", next_url=None):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return http.post(reverse("portal:sign_in"), data, REMOTE_ADDR=address)


def test_portal_sign_in_page_opens(client, db):
    response = client.get(reverse("portal:sign_in"))

    assert response.status_code == 200
    assert "portal/sign_in.html" in [t.name for t in response.templates]


def test_portal_user_signs_in_to_portal(client, portal_user):
    response = portal_sign_in(client, portal_user.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_portal_sign_in_follows_portal_next(client, portal_user, article_for_all):
    response = portal_sign_in(
        client, portal_user.email, PASSWORD, next_url=article_for_all.get_portal_url()
    )

    assert response["Location"] == article_for_all.get_portal_url()


def test_portal_sign_in_ignores_staff_next(client, portal_user):
    response = portal_sign_in(
        client, portal_user.email, PASSWORD, next_url=reverse("clients:list")
    )

    assert response["Location"] == reverse("portal:home")


def test_staff_signing_in_sent_to_staff_home(client, lawyer):
    response = portal_sign_in(
        client, lawyer.email, PASSWORD, next_url=reverse("portal:home")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_new_contact_signs_in_after_accepting(client, lawyer, contact):
    client.force_login(lawyer)
    link = send_invitation(client, contact)
    client.logout()
    accept(client, link)

    response = portal_sign_in(client, "Gwen.Davies@example.org", NEW_PASSWORD)

    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_portal_sign_in_locks_out(client, portal_user):
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        last = portal_sign_in(
            client,
            portal_user.email,
            "wrong-password",
            address=f"127.0.0.{20 + attempt}",
        )

    right = portal_sign_in(client, portal_user.email, PASSWORD, address="127.0.0.99")
    staff_page = client.post(
        reverse("accounts:login"),
        {"username": portal_user.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.98",
    )

    assert last.status_code == 429
    assert right.status_code == 429
    assert staff_page.status_code == 429
    assert client.session.get("_auth_user_id") is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()


def test_lockout_on_staff_page_applies_in_portal(client, portal_user):
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"),
            {"username": portal_user.email, "password": "wrong"},
            REMOTE_ADDR=f"127.0.0.{30 + attempt}",
        )

    response = portal_sign_in(client, portal_user.email, PASSWORD)

    assert response.status_code == 429


def test_portal_sign_out_returns_to_portal_sign_in(client, portal_user):
    client.force_login(portal_user)

    response = client.post(
        reverse("accounts:logout"), {"next": reverse("portal:sign_in")}
    )

    assert response["Location"] == reverse("portal:sign_in")
