"""Two-factor sign-in: the code step, setting it up, turning it off, backup
codes, the administrators' obligation and the audit trail."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import AuditEvent
from crm_site.admin import CrmAdminSite

from .auth import sign_in
from .factories import PASSWORD

SIGN_IN = reverse("accounts:login")
CODE_STEP = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
SECURITY = reverse("accounts:security")


def code_for(device, steps_ahead=0):
    """Return the code the user's app shows now, or ``steps_ahead`` periods on.

    django-otp rejects a code from a period it has already accepted one for,
    so a second sign-in within 30 seconds uses the next period's code, which
    the device's tolerance of one period still accepts.
    """
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps_ahead,
    )
    return f"{value:0{device.digits}d}"


def wrong_code(device):
    """Return a 6-digit code that none of the accepted periods shows."""
    accepted = {code_for(device, steps) for steps in (-1, 0, 1)}
    return next(
        candidate
        for candidate in ("000000", "111111", "222222", "333333")
        if candidate not in accepted
    )


def enable_two_factor(user):
    """Turn two-factor sign-in on for ``user``; return the device and codes."""
    device = TOTPDevice.objects.create(
        user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True
    )
    return device, two_factor.replace_backup_codes(user)


def enter_password(client, user, *, url=SIGN_IN, next_url=""):
    data = {"username": user.email, "password": PASSWORD, "next": next_url}
    return client.post(url, data)


def enter_code(client, code, *, next_url=""):
    return client.post(CODE_STEP, {"code": code, "next": next_url})


def audit_actions(user):
    return list(
        AuditEvent.objects.filter(username=user.email)
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def lawyer_device(lawyer):
    return enable_two_factor(lawyer)[0]


# Signing in


def test_lawyer_without_device_signs_in_directly(client, lawyer):
    response = enter_password(client, lawyer)

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert two_factor.PENDING_SESSION_KEY not in client.session


def test_password_alone_reaches_no_page(client, lawyer, lawyer_device):
    enter_password(client, lawyer)

    for url in (reverse("home"), reverse("clients:list"), SECURITY):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(CODE_STEP), url
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.SIGN_IN, actor=lawyer
    ).exists()


def test_code_step_keeps_requested_page(client, lawyer, lawyer_device):
    requested = reverse("clients:list")
    client.get(requested)
    enter_password(client, lawyer, next_url=requested)

    redirected = client.get(requested)
    page = client.get(redirected["Location"])
    response = enter_code(client, code_for(lawyer_device), next_url=requested)

    assert 'name="next" value="/clients/"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == requested
    assert client.get(requested).status_code == 200


def test_right_code_completes_sign_in(client, lawyer, lawyer_device):
    enter_password(client, lawyer)

    response = enter_code(client, code_for(lawyer_device))

    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == lawyer_device.persistent_id
    assert two_factor.PENDING_SESSION_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN, actor=lawyer)
    assert event.changes == {"second_factor": "authenticator app"}


def test_code_accepts_spaces(client, lawyer, lawyer_device):
    enter_password(client, lawyer)
    code = code_for(lawyer_device)

    response = enter_code(client, f" {code[:3]} {code[3:]} ")

    assert response.status_code == 302


def test_wrong_code_keeps_user_on_step(client, lawyer, lawyer_device):
    enter_password(client, lawyer)

    response = enter_code(client, wrong_code(lawyer_device))

    assert response.status_code == 200
    assert "That code is invalid" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(CODE_STEP)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.username == lawyer.email
    assert event.changes == {"step": "sign-in", "reason": "wrong code"}
    assert event.target_id == str(lawyer.pk)


def test_repeated_wrong_codes_are_throttled(client, lawyer, lawyer_device):
    enter_password(client, lawyer)
    enter_code(client, wrong_code(lawyer_device))

    # django-otp waits a second after one failure, so even the right code is
    # rejected when it comes straight after.
    response = enter_code(client, code_for(lawyer_device))

    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    locked = AuditEvent.objects.get(action=AuditEvent.Action.LOCKED_OUT)
    assert locked.changes["reason"] == "too many wrong codes"
    assert locked.changes["wait"] >= 1
    assert audit_actions(lawyer) == [
        AuditEvent.Action.SIGN_IN_FAILED,
        AuditEvent.Action.LOCKED_OUT,
    ]


def test_throttle_ends_after_waiting(client, lawyer, lawyer_device):
    enter_password(client, lawyer)
    enter_code(client, wrong_code(lawyer_device))
    TOTPDevice.objects.filter(pk=lawyer_device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )

    response = enter_code(client, code_for(lawyer_device))

    assert response.status_code == 302
    lawyer_device.refresh_from_db()
    assert lawyer_device.throttling_failure_count == 0


def test_backup_code_signs_in_once(client, lawyer):
    _device, codes = enable_two_factor(lawyer)
    enter_password(client, lawyer)

    first = enter_code(client, codes[0].upper())
    client.post(reverse("accounts:logout"))
    enter_password(client, lawyer)
    second = enter_code(client, codes[0])

    assert first.status_code == 302
    assert second.status_code == 200
    assert "That code is invalid" in second.content.decode()
    assert StaticToken.objects.filter(device__user=lawyer).count() == len(codes) - 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).first()
    assert event.changes == {"second_factor": "backup code"}


def test_backup_code_warns_codes_left(client, lawyer):
    _device, codes = enable_two_factor(lawyer)
    enter_password(client, lawyer)

    response = enter_code(client, codes[1], next_url=SECURITY)
    page = client.get(response["Location"])

    assert f"{len(codes) - 1} left" in page.content.decode()


def test_pending_sign_in_expires(client, lawyer, lawyer_device):
    enter_password(client, lawyer)
    session = client.session
    session[two_factor.PENDING_SESSION_KEY] -= two_factor.PENDING_SECONDS + 1
    session.save()

    response = enter_code(client, code_for(lawyer_device))

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session


def test_cancel_on_code_step_signs_out(client, lawyer, lawyer_device):
    enter_password(client, lawyer)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_portal_sign_in_asks_staff_code(client, lawyer, lawyer_device):
    enter_password(client, lawyer, url=reverse("portal:sign_in"))

    response = client.get(reverse("home"))

    assert response["Location"].startswith(CODE_STEP)


def test_pending_htmx_request_gets_redirect(client, lawyer, lawyer_device):
    enter_password(client, lawyer)

    response = client.get(
        reverse("clients:list"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"},
    )

    assert response["HX-Redirect"].startswith(CODE_STEP)


def test_portal_user_sign_in_unchanged(client, portal_user):
    response = enter_password(client, portal_user, url=reverse("portal:sign_in"))

    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SIGN_IN, actor=portal_user, changes={}
    ).exists()


def test_portal_user_has_no_security_page(client, portal_user):
    client.force_login(portal_user)

    assert client.get(SECURITY).status_code == 403
    assert client.get(SETUP).status_code == 403


# Setting it up


def test_security_page_offers_to_turn_on(client, lawyer):
    sign_in(client, lawyer)

    response = client.get(SECURITY)

    assert response.status_code == 200
    assert "Turn on two-factor sign-in" in response.content.decode()


def test_setup_shows_qr_code_and_secret(client, lawyer):
    sign_in(client, lawyer)

    response = client.get(SETUP)

    html = response.content.decode()
    device = TOTPDevice.objects.get(user=lawyer)
    assert not device.confirmed
    assert '<svg role="img"' in html
    assert two_factor.secret_text(device) in html
    assert "<img" not in html
    # Reloading keeps the secret an app may already have scanned.
    client.get(SETUP)
    assert TOTPDevice.objects.get(user=lawyer).key == device.key


def test_unconfirmed_device_does_not_count(client, lawyer):
    sign_in(client, lawyer)
    client.get(SETUP)
    client.post(reverse("accounts:logout"))

    enter_password(client, lawyer)

    assert client.get(reverse("home")).status_code == 200


def test_setup_confirm_turns_on(client, lawyer):
    sign_in(client, lawyer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=lawyer)

    response = client.post(SETUP, {"code": code_for(device)})

    html = response.content.decode()
    device.refresh_from_db()
    tokens = StaticToken.objects.filter(device__user=lawyer)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert device.confirmed
    assert tokens.count() == two_factor.BACKUP_CODE_COUNT
    for token in tokens:
        assert two_factor.format_backup_code(token.token) in html
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, actor=lawyer)
    assert event.target_id == str(device.pk)
    assert event.changes == {"two_factor": "turned on", "backup_codes": 10}


def test_setup_wrong_code_keeps_device_off(client, lawyer):
    sign_in(client, lawyer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=lawyer)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is invalid" in response.content.decode()
    assert not TOTPDevice.objects.get(user=lawyer).confirmed
    assert not StaticDevice.objects.filter(user=lawyer).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.changes["step"] == "set-up"


def test_setup_code_not_reused_later(client, lawyer):
    sign_in(client, lawyer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=lawyer)
    client.post(SETUP, {"code": code_for(device)})
    client.post(reverse("accounts:logout"))

    enter_password(client, lawyer)
    reused = enter_code(client, code_for(device))
    device.refresh_from_db()
    device.throttle_reset()
    fresh = enter_code(client, code_for(device, steps_ahead=1))

    assert reused.status_code == 200
    assert fresh.status_code == 302


# Backup codes


def test_replacing_backup_codes_asks_first(client, lawyer, lawyer_device):
    sign_in(client, lawyer)

    response = client.get(reverse("accounts:backup_codes_regenerate"))

    assert "10 unused backup codes will stop working" in response.content.decode()


def test_replacing_backup_codes_retires_old(client, lawyer):
    _device, old_codes = enable_two_factor(lawyer)
    sign_in(client, lawyer)

    response = client.post(reverse("accounts:backup_codes_regenerate"))

    new_codes = set(
        StaticToken.objects.filter(device__user=lawyer).values_list("token", flat=True)
    )
    assert response.status_code == 200
    assert len(new_codes) == two_factor.BACKUP_CODE_COUNT
    assert not new_codes & set(old_codes)
    for code in new_codes:
        assert two_factor.format_backup_code(code) in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, actor=lawyer)
    assert event.changes == {"backup_codes": "replaced", "count": 10}


def test_unverified_session_cannot_replace_codes(client, lawyer, lawyer_device):
    # A session signed in before two-factor sign-in was turned on elsewhere.
    client.force_login(lawyer)
    session = client.session
    session.pop(two_factor.PENDING_SESSION_KEY)
    session.save()

    response = client.post(reverse("accounts:backup_codes_regenerate"))

    assert response["Location"].startswith(CODE_STEP)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


# Turning it off


def test_turn_off_needs_current_code(client, lawyer, lawyer_device):
    sign_in(client, lawyer)
    url = reverse("accounts:two_factor_turn_off")

    rejected = client.post(url, {"code": wrong_code(lawyer_device)})
    lawyer_device.throttle_reset()
    accepted = client.post(url, {"code": code_for(lawyer_device)})

    assert rejected.status_code == 200
    assert "That code is invalid" in rejected.content.decode()
    assert accepted.status_code == 302
    assert not TOTPDevice.objects.filter(user=lawyer).exists()
    assert not StaticDevice.objects.filter(user=lawyer).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, actor=lawyer)
    assert event.target_id == str(lawyer_device.pk)
    assert event.changes == {"two_factor": "turned off"}


def test_after_turning_off_password_is_enough(client, lawyer, lawyer_device):
    sign_in(client, lawyer)
    client.post(
        reverse("accounts:two_factor_turn_off"), {"code": code_for(lawyer_device)}
    )
    client.post(reverse("accounts:logout"))

    enter_password(client, lawyer)

    assert client.get(reverse("home")).status_code == 200


def test_administrator_cannot_turn_off(client, administrator):
    sign_in(client, administrator)
    device = two_factor.app_device(administrator)

    response = client.post(
        reverse("accounts:two_factor_turn_off"), {"code": code_for(device)}
    )

    assert response["Location"] == SECURITY
    assert two_factor.is_enabled(administrator)
    page = client.get(SECURITY).content.decode()
    assert "cannot be turned off" in page
    assert reverse("accounts:two_factor_turn_off") not in page


# Administrators


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("clients:list"),
        reverse("clients:matter_export", args=["csv"]),
        reverse("admin:index"),
        SECURITY,
    ],
)
def test_administrator_without_device_sent_to_setup(client, administrator, url):
    client.force_login(administrator)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_administrator_sets_up_then_reaches_admin(client, administrator):
    client.force_login(administrator)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=administrator)

    client.post(SETUP, {"code": code_for(device)})

    assert client.get(reverse("admin:index")).status_code == 200


def test_administrator_signs_in_with_code(client, administrator):
    device, _codes = enable_two_factor(administrator)
    enter_password(client, administrator)

    assert client.get(reverse("admin:index"))["Location"].startswith(CODE_STEP)
    enter_code(client, code_for(device))
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_site_refuses_unverified_session(administrator):
    request = RequestFactory().get("/admin/")
    request.user = administrator
    administrator.is_verified = lambda: False

    assert not CrmAdminSite().has_permission(request)

    administrator.is_verified = lambda: True
    assert CrmAdminSite().has_permission(request)


def test_sign_in_helper_verifies_administrator(client, administrator):
    sign_in(client, administrator)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("clients:list")).status_code == 200
