from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from . import audit, security, two_factor
from .access import staff_required
from .forms import TwoFactorCodeForm, TwoFactorSetupForm, TwoFactorTurnOffForm
from .models import AuditEvent


class SignOutView(auth_views.LogoutView):
    """Sign the user out on POST only, as Django's view does, with a message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # The message outlives the flushed session: the message framework
        # stores it in the new session when the response goes out.
        messages.success(request, "You have signed out.")
        return response


# Two-factor sign-in


def two_factor_verify(request):
    """Ask for a code from the app, or a backup code, as the second sign-in step."""
    if not request.user.is_authenticated or not two_factor.is_pending(request):
        return redirect(settings.LOGIN_REDIRECT_URL)

    next_url = _next_url(request)
    if two_factor.pending_expired(request):
        logout(request)
        messages.info(request, "The sign-in took too long. Sign in again.")
        return redirect_to_login(next_url)

    form = TwoFactorCodeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            two_factor.mark_verified(request, form.device)
            security.record_two_factor_sign_in(request, request.user, form.device)
            _warn_about_backup_codes(request, form.device)
            return redirect(next_url)
        _record_code_failure(request, form, step="sign-in")

    ctx = {"form": form, "next": next_url}
    return render(request, "registration/two_factor_verify.html", ctx)


@staff_required()
def account_security(request):
    """Show whether two-factor sign-in is on, with the actions it allows."""
    user = request.user
    ctx = {
        "device": two_factor.app_device(user),
        "backup_codes_left": two_factor.backup_codes_left(user),
        "must_use_two_factor": user.is_administrator,
    }
    return render(request, "accounts/security.html", ctx)


@staff_required()
def two_factor_setup(request):
    """Turn two-factor sign-in on: scan or type the secret, confirm a code."""
    user = request.user
    if two_factor.is_enabled(user):
        if not two_factor.is_verified(request):
            two_factor.start_pending(request)
            return redirect(_with_next("accounts:two_factor_verify", request))
        messages.info(request, "Two-factor sign-in is already on.")
        return redirect("accounts:security")

    device = two_factor.unconfirmed_app_device(user)
    form = TwoFactorSetupForm(request.POST or None, device=device)
    if request.method == "POST":
        if form.is_valid():
            return _finish_setup(request, device)
        _record_code_failure(request, form, step="set-up")

    ctx = {
        "form": form,
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_text(device),
        "must_use_two_factor": user.is_administrator,
        "next": _next_url(request, default=""),
    }
    return render(request, "accounts/two_factor_setup.html", ctx)


@staff_required()
def backup_codes_regenerate(request):
    """Replace the backup codes, after a confirmation, and show the new ones."""
    user = request.user
    guard = _require_verified_two_factor(request)
    if guard:
        return guard

    if request.method != "POST":
        ctx = {
            "backup_codes_left": two_factor.backup_codes_left(user),
            "new_code_count": two_factor.BACKUP_CODE_COUNT,
        }
        return render(request, "accounts/backup_codes_regenerate.html", ctx)

    with transaction.atomic():
        codes = two_factor.replace_backup_codes(user)
        audit.record(
            action=AuditEvent.Action.UPDATE,
            actor=user,
            target=two_factor.backup_device(user),
            request=request,
            changes={"backup_codes": "replaced", "count": len(codes)},
        )
    messages.success(request, "You have new backup codes. The old ones no longer work.")
    return _show_backup_codes(request, codes)


@staff_required()
def two_factor_turn_off(request):
    """Turn two-factor sign-in off after a current code. Administrators cannot."""
    user = request.user
    if user.is_administrator:
        messages.error(
            request,
            "Administrators must use two-factor sign-in, so it cannot be turned off.",
        )
        return redirect("accounts:security")

    guard = _require_verified_two_factor(request)
    if guard:
        return guard

    form = TwoFactorTurnOffForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            _turn_off(request)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("accounts:security")
        _record_code_failure(request, form, step="turn off")

    return render(request, "accounts/two_factor_turn_off.html", {"form": form})


def _finish_setup(request, device):
    user = request.user
    with transaction.atomic():
        codes = two_factor.confirm_app_device(device)
        audit.record(
            action=AuditEvent.Action.CREATE,
            actor=user,
            target=device,
            request=request,
            changes={"two_factor": "turned on", "backup_codes": len(codes)},
        )
    two_factor.mark_verified(request, device)
    messages.success(request, "Two-factor sign-in is on.")
    return _show_backup_codes(request, codes)


def _turn_off(request):
    user = request.user
    device = two_factor.app_device(user)
    with transaction.atomic():
        audit.record(
            action=AuditEvent.Action.DELETE,
            actor=user,
            target=device,
            request=request,
            changes={"two_factor": "turned off"},
        )
        two_factor.turn_off(user)


def _show_backup_codes(request, codes):
    """Render new backup codes in the response itself.

    They are stored nowhere readable, so this response is the only time
    they are shown.
    """
    ctx = {
        "codes": [two_factor.format_backup_code(code) for code in codes],
        "next": _next_url(request, default=reverse("accounts:security")),
    }
    response = render(request, "accounts/backup_codes.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


def _require_verified_two_factor(request):
    """Send the user to their security page or the code step, or return None."""
    if not two_factor.is_enabled(request.user):
        messages.info(request, "Two-factor sign-in is off.")
        return redirect("accounts:security")
    if not two_factor.is_verified(request):
        two_factor.start_pending(request)
        return redirect(_with_next("accounts:two_factor_verify", request))
    return None


def _record_code_failure(request, form, *, step):
    if form.wait_seconds:
        security.record_throttled_code(
            request, request.user, step=step, wait_seconds=form.wait_seconds
        )
    elif form.wrong_code:
        security.record_wrong_code(request, request.user, step=step)


def _warn_about_backup_codes(request, device):
    if two_factor.method_of(device) != two_factor.Method.BACKUP_CODE:
        return

    left = two_factor.backup_codes_left(request.user)
    messages.warning(
        request,
        f"You used a backup code; {left} left. Make new ones from Account "
        "security if you are running short.",
    )


def _next_url(request, default=None):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        next_url,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
    if allowed:
        return next_url
    return resolve_url(settings.LOGIN_REDIRECT_URL) if default is None else default


def _with_next(url_name, request):
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
