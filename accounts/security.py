"""Sign-in security: the lockout key and the audit entries for sign-ins."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from . import audit
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
    audit.record(action=AuditEvent.Action.SIGN_IN, actor=user, request=request)


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
