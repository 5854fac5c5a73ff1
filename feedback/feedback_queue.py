"""Writes to client feedback: receiving it, and the staff queue's actions.

Each action stores who did it and when on the ``Feedback`` row and adds an
entry to the audit trail, in one transaction.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User
from clients.models import Client, Contact, Matter
from clients.working_days import add_working_days

from .models import Feedback


def complaint_targets(received_at: datetime):
    """Return the acknowledge-by and resolve-by dates of a complaint.

    Both count working days in England and Wales from the London date the
    complaint was received, as set by ``COMPLAINT_ACKNOWLEDGE_WORKING_DAYS``
    and ``COMPLAINT_RESOLVE_WORKING_DAYS``.
    """
    received_on = timezone.localdate(received_at)
    return (
        add_working_days(received_on, settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS),
        add_working_days(received_on, settings.COMPLAINT_RESOLVE_WORKING_DAYS),
    )


def _set_targets(feedback: Feedback) -> None:
    if feedback.kind == Feedback.Kind.COMPLAINT:
        feedback.acknowledge_due, feedback.resolve_due = complaint_targets(
            feedback.received_at
        )
    else:
        feedback.acknowledge_due = feedback.resolve_due = None


@transaction.atomic
def submit_from_portal(
    *,
    client: Client,
    user: User,
    kind: str,
    subject: str,
    message: str,
    matter: Matter | None = None,
    request=None,
) -> Feedback:
    """Record feedback that a portal user sent for ``client``."""
    feedback = Feedback(
        client=client,
        matter=matter,
        submitted_by=user,
        kind=kind,
        subject=subject,
        message=message,
        channel=Feedback.Channel.PORTAL,
        received_at=timezone.now(),
    )
    return _create(feedback, actor=user, request=request)


@transaction.atomic
def log_received(
    *,
    client: Client,
    logged_by: User,
    kind: str,
    subject: str,
    message: str,
    channel: str,
    received_at: datetime,
    contact: Contact | None = None,
    matter: Matter | None = None,
    request=None,
) -> Feedback:
    """Record feedback that staff received by phone, letter, email or in person."""
    if channel == Feedback.Channel.PORTAL:
        raise ValidationError(
            {"channel": "Feedback sent through the portal is recorded by the portal."}
        )
    feedback = Feedback(
        client=client,
        contact=contact,
        matter=matter,
        logged_by=logged_by,
        kind=kind,
        subject=subject,
        message=message,
        channel=channel,
        received_at=received_at,
    )
    return _create(feedback, actor=logged_by, request=request)


def _create(feedback: Feedback, *, actor: User, request) -> Feedback:
    _set_targets(feedback)
    feedback.full_clean()
    feedback.save()
    audit.record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=feedback,
        changes=audit.snapshot(
            feedback,
            [
                "client",
                "matter",
                "kind",
                "subject",
                "channel",
                "acknowledge_due",
                "resolve_due",
            ],
        ),
        request=request,
    )
    return feedback


@transaction.atomic
def acknowledge(*, feedback: Feedback, by: User, request=None) -> Feedback:
    """Mark feedback acknowledged. Acknowledging twice keeps the first time."""
    _lock(feedback)
    if feedback.acknowledged_at is not None:
        return feedback

    feedback.acknowledged_at = timezone.now()
    feedback.acknowledged_by = by
    if feedback.status == Feedback.Status.RECEIVED:
        feedback.status = Feedback.Status.ACKNOWLEDGED
    _save(feedback, by, request, ["acknowledged_at", "acknowledged_by", "status"])
    return feedback


@transaction.atomic
def assign(*, feedback: Feedback, to: User | None, by: User, request=None) -> Feedback:
    """Give the feedback to ``to`` to handle, or to nobody with ``None``."""
    _lock(feedback)
    if feedback.assigned_to_id == getattr(to, "pk", None):
        return feedback

    feedback.assigned_to = to
    feedback.assigned_at = timezone.now() if to is not None else None
    _save(feedback, by, request, ["assigned_to", "assigned_at"])
    return feedback


@transaction.atomic
def respond(*, feedback: Feedback, response: str, by: User, request=None) -> Feedback:
    """Store the response that the client sees, acknowledging the feedback too."""
    response = response.strip()
    if not response:
        raise ValidationError({"response": "Enter the response the client will see."})
    _lock(feedback)

    now = timezone.now()
    fields = ["response", "responded_at", "responded_by", "status"]
    if feedback.acknowledged_at is None:
        feedback.acknowledged_at = now
        feedback.acknowledged_by = by
        fields += ["acknowledged_at", "acknowledged_by"]
    feedback.response = response
    feedback.responded_at = now
    feedback.responded_by = by
    if feedback.status != Feedback.Status.RESOLVED:
        feedback.status = Feedback.Status.RESPONDED
    _save(feedback, by, request, fields)
    return feedback


@transaction.atomic
def resolve(*, feedback: Feedback, by: User, request=None) -> Feedback:
    """Close the feedback. Resolving twice keeps the first time."""
    _lock(feedback)
    if feedback.resolved_at is not None:
        return feedback

    now = timezone.now()
    fields = ["resolved_at", "resolved_by", "status"]
    if feedback.acknowledged_at is None:
        feedback.acknowledged_at = now
        feedback.acknowledged_by = by
        fields += ["acknowledged_at", "acknowledged_by"]
    feedback.resolved_at = now
    feedback.resolved_by = by
    feedback.status = Feedback.Status.RESOLVED
    _save(feedback, by, request, fields)
    return feedback


def _lock(feedback: Feedback) -> None:
    """Reload the row under a lock, so that two staff acting at once queue up."""
    fresh = Feedback.objects.select_for_update().get(pk=feedback.pk)
    for field in Feedback._meta.concrete_fields:
        setattr(feedback, field.attname, getattr(fresh, field.attname))


def _save(feedback: Feedback, by: User, request, fields: list[str]) -> None:
    before = audit.snapshot(Feedback.objects.get(pk=feedback.pk), fields)
    feedback.save(update_fields=[*fields, "updated_at"])
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        target=feedback,
        changes=audit.changed_fields(before, audit.snapshot(feedback, fields)),
        request=request,
    )
