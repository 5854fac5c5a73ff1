"""Sign-in security: the lockout key and the audit entries for sign-ins.

Sign-ins and sign-in failures of both steps, password and two-factor code,
are recorded here.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from . import audit, two_factor
from .models import AuditEvent

logger = logging.getLogger(__name__)


def lockout_username(request, credentials):
    """Return the email a sign-in attempt names, in one case.

    Axes counts failures per value of this key, so ``Ann@Example.org`` and
    ``ann@example.org`` count towards the same lockout.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return (username or "").strip().lower()


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    """Record a sign-in, or hold it until the two-factor code is given.

    Every sign-in page ends in ``login()``, so checking here covers them all.
    """
    if request is not None and two_factor.is_enabled(user):
        two_factor.start_pending(request)
        return
    audit.record(action=AuditEvent.Action.SIGN_IN, actor=user, request=request)


def record_two_factor_sign_in(request, user, device):
    """Record a sign-in completed with a code from ``device``."""
    audit.record(
        action=AuditEvent.Action.SIGN_IN,
        actor=user,
        request=request,
        changes={"second_factor": two_factor.method_of(device)},
    )


def record_wrong_code(request, user, *, step):
    """Record a wrong two-factor code, which django-otp throttles."""
    audit.record(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        target=user,
        request=request,
        username=user.email,
        changes={"step": step, "reason": "wrong code"},
    )


def record_throttled_code(request, user, *, step, wait_seconds):
    """Record a code rejected unchecked because earlier codes were wrong."""
    event = audit.record(
        action=AuditEvent.Action.LOCKED_OUT,
        target=user,
        request=request,
        username=user.email,
        changes={"step": step, "reason": "too many wrong codes", "wait": wait_seconds},
    )
    logger.warning(
        "Two-factor code rejected while throttled: audit event %s, user %s",
        event.pk,
        user.pk,
    )


@receiver(user_logged_out)
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(action=AuditEvent.Action.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    audit.record(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        request=request,
        username=lockout_username(request, credentials),
    )


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs):
    event = audit.record(
        action=AuditEvent.Action.LOCKED_OUT,
        request=request,
        username=username or "",
    )
    # The email stays in the audit trail; the log gets only the entry's id.
    logger.warning("Sign-in locked out: audit event %s from %s", event.pk, ip_address)
