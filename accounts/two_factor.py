"""Two-factor sign-in with an authenticator app (TOTP) and backup codes.

Two-factor sign-in is on for a user who has a confirmed TOTP device. Their
backup codes live on one static device beside it. A session counts as
verified once django-otp has stored the device that accepted a code in it
(``django_otp.login``); ``OTPMiddleware`` then sets ``request.user.otp_device``.

Signing in with a password, by any sign-in page, leaves the session of such a
user waiting for a code: ``TwoFactorMiddleware`` lets it reach only the code
step and signing out until a code is accepted. Administrators must use
two-factor sign-in, so the middleware sends an administrator whose session is
not verified to the set-up page.
"""

import math
import re
import time
from base64 import b32encode

import django_otp
import segno
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django_htmx.http import HttpResponseClientRedirect
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# The session key that marks a signed-in session still waiting for a code.
# Its value is the time (a Unix timestamp) the password was accepted.
PENDING_SESSION_KEY = "two_factor_pending"
# Seconds the code step accepts a code after the password, before the
# password must be entered again.
PENDING_SECONDS = 10 * 60
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"

TOTP_CODE = re.compile(r"\d{6}")


class Method:
    """The second factor of a sign-in, as the audit trail records it."""

    APP = "authenticator app"
    BACKUP_CODE = "backup code"


# Devices


def app_device(user):
    """Return ``user``'s confirmed authenticator app device, or ``None``."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def unconfirmed_app_device(user):
    """Return the device being set up for ``user``, creating it if needed.

    Reloading the set-up page keeps the same secret, so a QR code already
    scanned stays valid.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, confirmed=False
        )
    return device


def backup_device(user):
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def confirm_app_device(device):
    """Turn two-factor sign-in on with ``device`` and return new backup codes."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return replace_backup_codes(device.user)


@transaction.atomic
def replace_backup_codes(user):
    """Give ``user`` a new set of backup codes and return them.

    The old codes stop working. Only this return value contains the new codes
    in readable form, so the page that shows them is the only chance to
    note them.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


@transaction.atomic
def turn_off(user):
    """Remove every two-factor device of ``user``."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# Codes


def normalise_code(code):
    """Return ``code`` without spaces or hyphens, in lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def check_code(user, code):
    """Check a code ``user`` typed against their confirmed devices.

    Return ``(device, None)`` when a device accepts it, ``(None, seconds)``
    when django-otp's throttling rejects it unchecked for that many more
    seconds, and ``(None, None)`` when it is wrong. A backup code is used up
    by a match.
    """
    code = normalise_code(code)
    # Backup codes are eight letters and digits, so six digits can only be an
    # app's code. Checking one kind only keeps a typo from throttling the other.
    if TOTP_CODE.fullmatch(code):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)

    for device in devices:
        wait = throttle_seconds(device)
        if wait:
            return None, wait
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, None
    return None, None


def check_setup_code(device, code):
    """Check a code against a device being set up, returning as ``check_code`` does."""
    wait = throttle_seconds(device)
    if wait:
        return None, wait
    if device.verify_token(normalise_code(code)):
        return device, None
    return None, None


def throttle_seconds(device):
    """Return the seconds left before django-otp's throttling accepts a code again."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    remaining = (details["locked_until"] - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def method_of(device):
    return Method.BACKUP_CODE if isinstance(device, StaticDevice) else Method.APP


# Setting up an authenticator app


def secret_text(device):
    """Return the device's secret in base32, in groups of four for typing."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device):
    """Return the device's set-up link as an inline SVG QR code.

    Inline SVG keeps the page within the Content Security Policy: no image
    is fetched and no style attribute is needed.
    """
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    # Marked safe because segno draws the link as path data, never as text,
    # and the title is the fixed string above.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def format_backup_code(code):
    """Return a backup code in two groups of four, easier to copy by hand."""
    return f"{code[:4]} {code[4:]}"


# Sessions


def start_pending(request):
    """Mark the freshly signed-in session of ``request`` as waiting for a code."""
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.session[PENDING_SESSION_KEY] = time.time()


def is_pending(request):
    return PENDING_SESSION_KEY in request.session


def pending_expired(request):
    started = request.session.get(PENDING_SESSION_KEY)
    return started is not None and time.time() - started > PENDING_SECONDS


def mark_verified(request, device):
    """Count the session as verified by ``device``, as ``django_otp.login`` does."""
    request.session.pop(PENDING_SESSION_KEY, None)
    django_otp.login(request, device)


def is_verified(request):
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


class TwoFactorMiddleware:
    """Keep unverified sessions to the pages that let them verify.

    A session waiting for a code reaches only the code step and signing out.
    An administrator whose session is not verified reaches only the set-up
    pages and signing out. Pages are matched by URL name, so the check runs in
    ``process_view``, after the URL has been resolved.

    NOTE: a session is marked as waiting only when it signs in. Turning
    two-factor sign-in on leaves the user's other sessions signed in without
    a code until they sign out or expire, because checking devices on every
    request would add a query to every page.
    """

    PENDING_ALLOWED = {"accounts:two_factor_verify", "accounts:logout"}
    SETUP_ALLOWED = {"accounts:two_factor_setup", "accounts:logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None

        url_name = request.resolver_match.view_name
        if is_pending(request):
            if url_name in self.PENDING_ALLOWED:
                return None
            return self.send_to(request, "accounts:two_factor_verify")

        if request.user.is_administrator and not is_verified(request):
            if url_name in self.SETUP_ALLOWED:
                return None
            return self.send_to(request, "accounts:two_factor_setup")
        return None

    def send_to(self, request, url_name):
        next_path = request.get_full_path()
        if getattr(request, "htmx", False):
            # htmx would swap the whole page into a fragment, so HX-Redirect
            # makes it load the page instead.
            next_path = request.htmx.current_url_abs_path or "/"
        url = f"{reverse(url_name)}?{urlencode({'next': next_path})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
