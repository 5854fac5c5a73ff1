"""Setting and clearing legal holds, and finding what a hold covers.

A hold on a client covers its contacts, contact log, matters, time and
feedback. A hold on a matter covers its time and feedback. A hold on a
contact covers the contact log entries, matters, survey answers, feedback
and portal invitations that name them.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User

from ..models import Client, Contact, Interaction, Matter, TimeEntry


def held_interactions_q() -> Q:
    """Match contact log entries that a hold on their client or a contact covers."""
    return Q(client__legal_hold=True) | Q(contacts__legal_hold=True)


def held_feedback_q() -> Q:
    return (
        Q(client__legal_hold=True)
        | Q(matter__legal_hold=True)
        | Q(contact__legal_hold=True)
    )


def held_matters_q() -> Q:
    return (
        Q(legal_hold=True)
        | Q(client__legal_hold=True)
        | Q(client_contact__legal_hold=True)
    )


def holds_on_contact(contact: Contact) -> list[str]:
    """Return why the contact's data must be kept, one sentence per hold."""
    reasons = []
    if contact.legal_hold:
        reasons.append(
            f"The contact is under a legal hold: {contact.legal_hold_reason}"
        )
    if contact.client.legal_hold:
        reasons.append(
            f"{contact.client.name} is under a legal hold: "
            f"{contact.client.legal_hold_reason}"
        )
    held_matters = contact.instructed_matters.filter(legal_hold=True)
    for matter in held_matters.only("reference", "legal_hold_reason"):
        reasons.append(
            f"Matter {matter.reference}, which they instructed, is under a legal "
            f"hold: {matter.legal_hold_reason}"
        )
    return reasons


@transaction.atomic
def set_hold(
    *, record: Client | Contact | Matter, reason: str, user: User, request=None
) -> None:
    """Put ``record`` under a legal hold for ``reason`` and audit it."""
    before = _hold_state(record)
    record.legal_hold = True
    record.legal_hold_reason = reason.strip()
    record.legal_hold_set_by = user
    record.legal_hold_set_at = timezone.now()
    _save_hold(record, before, user, request)


@transaction.atomic
def clear_hold(*, record: Client | Contact | Matter, user: User, request=None) -> None:
    """Lift the legal hold on ``record`` and audit it."""
    before = _hold_state(record)
    record.legal_hold = False
    record.legal_hold_reason = ""
    record.legal_hold_set_by = None
    record.legal_hold_set_at = None
    _save_hold(record, before, user, request)


HOLD_FIELDS = [
    "legal_hold",
    "legal_hold_reason",
    "legal_hold_set_by",
    "legal_hold_set_at",
]


def _hold_state(record) -> dict:
    return {
        "legal_hold": str(record.legal_hold),
        "legal_hold_reason": record.legal_hold_reason,
    }


def _save_hold(record, before, user, request) -> None:
    record.save(update_fields=[*HOLD_FIELDS, "updated_at"])
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=user,
        target=record,
        changes=audit.changed_fields(before, _hold_state(record)),
        request=request,
    )


def holds_blocking_deletion(record) -> list[str]:
    """Return why ``record`` may not be deleted, one sentence per hold.

    Covers what the application and its admin let staff delete: clients,
    contacts, contact log entries, matters and time entries. An empty list
    means no hold applies.
    """
    reasons = []
    if isinstance(record, Client):
        if record.legal_hold:
            reasons.append(f"{record.name} is under a legal hold.")
        if record.contacts.filter(legal_hold=True).exists():
            reasons.append("One or more of its contacts are under a legal hold.")
        if record.matters.filter(legal_hold=True).exists():
            reasons.append("One or more of its matters are under a legal hold.")
    elif isinstance(record, Contact):
        reasons = holds_on_contact(record)
    elif isinstance(record, Interaction):
        if record.client.legal_hold:
            reasons.append(f"{record.client.name} is under a legal hold.")
        if record.contacts.filter(legal_hold=True).exists():
            reasons.append("A contact it names is under a legal hold.")
    elif isinstance(record, Matter):
        if Matter.objects.filter(held_matters_q(), pk=record.pk).exists():
            reasons.append(f"Matter {record.reference} is under a legal hold.")
    elif isinstance(record, TimeEntry):
        matter = record.matter
        if matter.legal_hold or matter.client.legal_hold:
            reasons.append(f"Matter {matter.reference} is under a legal hold.")
    return reasons
