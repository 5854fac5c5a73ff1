"""Sign-in, sign-out, passwords, lockout, production settings and the portal home."""

import os
import re
import secrets
import subprocess
import sys
import types
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

import crm_site.settings as site_settings
from accounts.models import AuditEvent, PortalMembership, User
from accounts.roles import Role
from accounts.services import create_portal_user

from . import auth
from .factories import PASSWORD, ClientFactory, PortalMembershipFactory

SIGN_IN_URL = "/accounts/sign-in/"
ADMIN_SIGN_IN_URL = "/admin/login/"
NEW_PASSWORD = "a-quiet-harbour-at-dawn-42"


def _placeholder_page(request, *args, **kwargs):
    return HttpResponse("Placeholder for a client page.")


def _urlconf_with_client_placeholders():
    from crm_site import urls as site_urls

    client_patterns = [
        path("", _placeholder_page, name="list"),
        path("<int:pk>/", _placeholder_page, name="detail"),
    ]
    urlconf = types.ModuleType("urls_with_client_placeholders")
    urlconf.urlpatterns = [
        *(p for p in site_urls.urlpatterns if getattr(p, "namespace", "") != "clients"),
        path("clients/", include((client_patterns, "clients"))),
    ]
    return urlconf


@pytest.fixture
def staff_layout(settings):
    """Let base.html render for a signed-in user before the client pages exist.

    The staff navigation links to ``clients:list``. While clients/urls.py does
    not name it yet, this swaps in a URLconf with placeholder client pages.
    """
    try:
        reverse("clients:list")
    except NoReverseMatch:
        settings.ROOT_URLCONF = _urlconf_with_client_placeholders()


def sign_in(client, email, password, *, url=SIGN_IN_URL, address="127.0.0.1"):
    return client.post(
        url, {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# Signing in and out


def test_sign_in_accepts_email_in_any_case(client, lawyer):
    response = sign_in(client, "LAWYER@Example.ORG", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(lawyer.pk)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SIGN_IN, actor=lawyer
    ).exists()


def test_sign_in_page_has_labelled_fields(client, db):
    response = client.get(SIGN_IN_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<h1[^>]*>Sign in</h1>", content)
    assert re.search(r'<label\s+for="id_username"', content)
    assert re.search(r'<label\s+for="id_password"', content)
    assert 'autocomplete="email"' in content
    assert 'autocomplete="current-password"' in content
    assert reverse("accounts:password_reset") in content


def test_wrong_password_keeps_typed_email(client, lawyer):
    response = sign_in(client, "lawyer@example.org", "not-the-password")

    content = response.content.decode()
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert 'role="alert"' in content
    assert "do not match an account" in content
    assert 'value="lawyer@example.org"' in content


def test_sign_out_ends_session(client, lawyer):
    client.force_login(lawyer)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert signed_in_user_id(client) is None
    page = client.get(response["Location"])
    assert "You have signed out." in page.content.decode()


def test_sign_out_rejects_get(client, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(lawyer.pk)


# Changing and resetting passwords


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short", "This password is too short"),
        ("password1234", "This password is too common"),
    ],
)
def test_password_change_rejects_weak_password(
    client, lawyer, staff_layout, new_password, message
):
    client.force_login(lawyer)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors["new_password2"])
    field_error = re.search(
        r'<div id="id_new_password2_error"[^>]*>(.*?)</div>',
        response.content.decode(),
        re.DOTALL,
    )
    assert field_error is not None
    assert message in field_error.group(1)
    lawyer.refresh_from_db()
    assert lawyer.check_password(PASSWORD)


def test_password_change_accepts_strong_password(client, lawyer, staff_layout):
    client.force_login(lawyer)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("accounts:password_change_done")
    assert "Your password has been changed." in response.content.decode()
    lawyer.refresh_from_db()
    assert lawyer.check_password(NEW_PASSWORD)


def test_password_reset_link_sets_new_password(client, lawyer):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "lawyer@example.org"}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lawyer@example.org"]
    assert message.subject == "Reset your Legal CRM password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body)
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    lawyer.refresh_from_db()
    assert lawyer.check_password(NEW_PASSWORD)
    assert sign_in(client, "lawyer@example.org", NEW_PASSWORD).status_code == 302


def test_password_reset_unknown_email_sends_nothing(client, lawyer):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.org"}
    )

    # The same page follows either way, so the form reveals no accounts.
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_invalid_link_says_so(client, lawyer):
    url = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": "MQ", "token": "bad-token"},
    )

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "This password reset link is not valid." in response.content.decode()
    assert reverse("accounts:password_reset") in response.content.decode()


# Password hashing


def test_settings_put_argon2_first():
    # The suite swaps in MD5 for speed, so read the settings module itself.
    assert site_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_sign_in_upgrades_old_hash_to_argon2(client, lawyer, settings):
    settings.PASSWORD_HASHERS = site_settings.PASSWORD_HASHERS
    lawyer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    lawyer.save(update_fields=["password"])

    response = sign_in(client, "lawyer@example.org", PASSWORD)

    assert response.status_code == 302
    lawyer.refresh_from_db()
    assert lawyer.password.startswith("argon2$")
    assert lawyer.check_password(PASSWORD)


# Lockout after repeated failures


def fail_sign_ins(client, email, *, url):
    """Fail to sign in as ``email`` until the lockout, each time from a new address."""
    responses = []
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        # Alternate the letter case: the lockout counts the account, not the text.
        typed = email.upper() if attempt % 2 else email
        address = f"127.0.0.{10 + attempt}"
        responses.append(
            sign_in(client, typed, "wrong-password", url=url, address=address)
        )
    return responses


@pytest.mark.parametrize("failing_url", [SIGN_IN_URL, ADMIN_SIGN_IN_URL])
def test_failures_lock_both_sign_in_pages(client, administrator, failing_url):
    responses = fail_sign_ins(client, "admin@example.org", url=failing_url)

    assert [r.status_code for r in responses[:-1]] == [200] * (len(responses) - 1)
    assert responses[-1].status_code == 429
    for url in (SIGN_IN_URL, ADMIN_SIGN_IN_URL):
        response = sign_in(
            client, "admin@example.org", PASSWORD, url=url, address="127.0.0.99"
        )
        assert response.status_code == 429, url
        assert "registration/locked_out.html" in [t.name for t in response.templates]
        assert signed_in_user_id(client) is None


def test_lockout_writes_audit_event(client, lawyer):
    fail_sign_ins(client, "lawyer@example.org", url=SIGN_IN_URL)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKED_OUT)
    assert event.username == "lawyer@example.org"


def test_lockout_leaves_other_accounts_open(client, lawyer, practice_manager):
    fail_sign_ins(client, "lawyer@example.org", url=SIGN_IN_URL)

    response = sign_in(client, "manager@example.org", PASSWORD, address="127.0.0.10")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(practice_manager.pk)


def test_lockout_page_says_how_long(client, lawyer):
    responses = fail_sign_ins(client, "lawyer@example.org", url=SIGN_IN_URL)

    content = responses[-1].content.decode()
    minutes = int(django_settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert "Account locked" in content
    assert f"try again in {minutes} minute" in content
    assert reverse("accounts:password_reset") in content
    assert "contact an administrator" in content.lower()


# Production settings


def run_manage(*args, **environment):
    env = {**os.environ, **environment}
    # The browser fixtures set this for the test process; production never
    # has it, and check --deploy rejects it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_in_production():
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(45),
        ALLOWED_HOSTS="crm.example.org",
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified some issues" not in output
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_fails_to_start():
    result = run_manage(
        "check", DEBUG="false", SECRET_KEY=None, ALLOWED_HOSTS="crm.example.org"
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is missing" in result.stderr


# Creating portal users


def test_create_portal_user_links_organisations(administrator, client_org):
    other = ClientFactory(name="Eastgate Academy")

    user = create_portal_user(
        email="Pat.New@Example.ORG",
        full_name="Pat New",
        clients=[client_org, other, client_org],
        created_by=administrator,
    )

    assert user.email == "pat.new@example.org"
    assert user.is_portal_user
    assert not user.has_usable_password()
    memberships = PortalMembership.objects.filter(user=user)
    assert {m.client for m in memberships} == {client_org, other}
    assert {m.created_by for m in memberships} == {administrator}
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert event.actor == administrator
    assert event.target_id == str(user.pk)


def test_create_portal_user_sets_valid_password(client_org):
    user = create_portal_user(
        email="pat.new@example.org",
        full_name="Pat New",
        clients=[client_org],
        password=NEW_PASSWORD,
    )

    assert user.check_password(NEW_PASSWORD)


def test_create_portal_user_rejects_weak_password(client_org):
    with pytest.raises(ValidationError) as raised:
        create_portal_user(
            email="pat.new@example.org",
            full_name="Pat New",
            clients=[client_org],
            password="short",
        )

    assert "password" in raised.value.message_dict
    assert not User.objects.filter(email="pat.new@example.org").exists()


def test_create_portal_user_rejects_taken_email(portal_user, other_client_org):
    with pytest.raises(ValidationError) as raised:
        create_portal_user(
            email="PORTAL@example.org",
            full_name="Pat Again",
            clients=[other_client_org],
        )

    assert "email" in raised.value.message_dict
    assert User.objects.filter(email__iexact="portal@example.org").count() == 1


def test_create_portal_user_requires_organisation(db):
    with pytest.raises(ValidationError) as raised:
        create_portal_user(email="pat.new@example.org", full_name="Pat New", clients=[])

    assert "clients" in raised.value.message_dict
    assert not User.objects.filter(email="pat.new@example.org").exists()


def test_command_creates_portal_user(client_org, other_client_org):
    output = StringIO()

    call_command(
        "create_portal_user",
        "--email=pat.new@example.org",
        "--name=Pat New",
        f"--client={client_org.name}",
        f"--client={other_client_org.name}",
        stdout=output,
    )

    user = User.objects.get(email="pat.new@example.org")
    assert user.full_name == "Pat New"
    assert user.has_role(Role.CLIENT)
    assert set(user.portal_memberships.values_list("client__name", flat=True)) == {
        client_org.name,
        other_client_org.name,
    }
    assert "Created portal user pat.new@example.org" in output.getvalue()


def test_command_rejects_unknown_organisation(client_org):
    with pytest.raises(CommandError, match='"Nowhere Town Council"'):
        call_command(
            "create_portal_user",
            "--email=pat.new@example.org",
            "--name=Pat New",
            f"--client={client_org.name}",
            "--client=Nowhere Town Council",
        )

    assert not User.objects.filter(email="pat.new@example.org").exists()


def test_command_reports_invalid_email(client_org):
    with pytest.raises(CommandError, match="email"):
        call_command(
            "create_portal_user",
            "--email=not-an-email",
            "--name=Pat New",
            f"--client={client_org.name}",
        )


# Portal home


def test_portal_home_lists_only_own_organisations(
    client, portal_user, other_portal_user, client_org, other_client_org
):
    client.force_login(portal_user)

    response = client.get(reverse("portal:home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Welcome, Pat Portal" in content
    assert client_org.name in content
    assert other_client_org.name not in content


@pytest.mark.parametrize(
    "role", ["lawyer", "practice_manager", "senior_legal_manager", "administrator"]
)
def test_portal_home_rejects_staff(client, request, role):
    auth.sign_in(client, request.getfixturevalue(role))

    response = client.get(reverse("portal:home"))

    assert response.status_code == 403


def test_portal_home_sends_anonymous_to_sign_in(client, db):
    response = client.get(reverse("portal:home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:sign_in')}?next=/portal/"


def test_portal_home_query_count_is_bounded(
    client, portal_user, django_assert_max_num_queries
):
    for organisation in ClientFactory.create_batch(30):
        PortalMembershipFactory(user=portal_user, client=organisation)
    client.force_login(portal_user)

    # The home page's panels (matters, plan actions, surveys, you said we
    # did, guidance, feedback) take one query each.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:home"))

    assert response.content.decode().count('class="list-group-item"') == 31
