"""The retention schedule: what happens to personal data once its period ends.

Rows that statistics count (contact log entries, survey responses, feedback,
matters and time) are kept with their dates, ratings and amounts, and lose
their names, emails and free text. Rows that no figure needs (portal and
survey invitations, the rows of an import file, old audit entries) are
deleted. Each rule is a few bulk queries that only match rows not yet
treated, so a second run changes nothing, and none touches a record under a
legal hold. The periods are settings; docs/deployment.md lists them.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import AuditEvent, PortalInvitation
from feedback.models import Answer, Feedback, Invitation, Response

from ..models import (
    Client,
    Contact,
    ImportIssue,
    ImportJob,
    Interaction,
    Matter,
    TimeEntry,
)
from . import holds

logger = logging.getLogger(__name__)

# Written over a summary or title whose text has gone, so that the contact
# log and the matter list show why it is empty.
REMOVED_TEXT = "Removed after its retention period."


@dataclass
class RuleResult:
    """The counts of one rule's run."""

    record_type: str
    anonymised: int = 0
    deleted: int = 0


def apply_retention(*, today: date | None = None) -> list[RuleResult]:
    """Apply every retention rule as of ``today`` (London time) and log each."""
    today = today or timezone.localdate()
    results = []
    for rule in RULES:
        with transaction.atomic():
            result = rule(today)
        logger.info(
            "Retention of %s: %d anonymised, %d deleted",
            result.record_type,
            result.anonymised,
            result.deleted,
        )
        results.append(result)
    return results


def years_before(day: date, years: int) -> date:
    """Return the same calendar day ``years`` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def start_of(day: date) -> datetime:
    """Return midnight at the start of ``day`` in the current (London) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


# Rules
# ---------------------------------------------------------------------------


def contact_log(today: date) -> RuleResult:
    """Blank the contact log of clients with no logged contact for the period."""
    cutoff = start_of(years_before(today, settings.RETENTION_CONTACT_LOG_YEARS))
    recent_clients = Interaction.objects.filter(occurred_at__gte=cutoff).values(
        "client_id"
    )
    expired = (
        Interaction.objects.filter(occurred_at__lt=cutoff)
        .exclude(client_id__in=recent_clients)
        .exclude(pk__in=Interaction.objects.filter(holds.held_interactions_q()))
    )
    links = Interaction.contacts.through.objects.filter(interaction__in=expired)
    deleted, _ = links.delete()
    anonymised = expired.exclude(
        summary=REMOVED_TEXT, outcome="", follow_up_action=""
    ).update(summary=REMOVED_TEXT, outcome="", follow_up_action="")
    return RuleResult("contact log entries", anonymised=anonymised, deleted=deleted)


def survey_responses(today: date) -> RuleResult:
    """Unlink old responses from their contacts and blank free-text answers."""
    cutoff_day = years_before(today, settings.RETENTION_SURVEY_YEARS)
    responses = (
        Response.objects.filter(submitted_on__lt=cutoff_day)
        .exclude(client__legal_hold=True)
        .exclude(invitation__contact__legal_hold=True)
    )
    answers = (
        Answer.objects.filter(response__in=responses).exclude(text="").update(text="")
    )
    unlinked = responses.filter(invitation__isnull=False).update(invitation=None)
    return RuleResult("survey responses and answers", anonymised=answers + unlinked)


def survey_invitations(today: date) -> RuleResult:
    """Delete the invitations of rounds that closed before the survey period."""
    cutoff = start_of(years_before(today, settings.RETENTION_SURVEY_YEARS))
    expired = (
        Invitation.objects.filter(round__closes_at__lt=cutoff)
        .exclude(contact__legal_hold=True)
        .exclude(contact__client__legal_hold=True)
    )
    # A response would go with its invitation; unlinking keeps its scores.
    Response.objects.filter(invitation__in=expired).update(invitation=None)
    _total, per_model = expired.delete()
    return RuleResult(
        "survey invitations", deleted=per_model.get(Invitation._meta.label, 0)
    )


def feedback_items(today: date) -> RuleResult:
    """Blank the text and the sender of feedback received before the period."""
    cutoff = start_of(years_before(today, settings.RETENTION_FEEDBACK_YEARS))
    expired = (
        Feedback.objects.filter(received_at__lt=cutoff)
        .exclude(pk__in=Feedback.objects.filter(holds.held_feedback_q()))
        .exclude(
            subject=REMOVED_TEXT,
            message="",
            response="",
            contact__isnull=True,
            submitted_by__isnull=True,
        )
    )
    anonymised = expired.update(
        subject=REMOVED_TEXT, message="", response="", contact=None, submitted_by=None
    )
    return RuleResult("feedback items", anonymised=anonymised)


def portal_invitations(today: date) -> RuleResult:
    """Delete portal invitations that expired more than the period ago."""
    days = settings.RETENTION_PORTAL_INVITATION_DAYS
    cutoff = start_of(today - timedelta(days=days))
    expired = (
        PortalInvitation.objects.filter(expires_at__lt=cutoff)
        .exclude(client__legal_hold=True)
        .exclude(contact__legal_hold=True)
        .exclude(contact__client__legal_hold=True)
    )
    deleted, _ = expired.delete()
    return RuleResult("portal invitations", deleted=deleted)


def import_files(today: date) -> RuleResult:
    """Drop the file and the row problems of finished imports; keep the counts."""
    cutoff = start_of(today - timedelta(days=settings.RETENTION_IMPORT_FILE_DAYS))
    expired = ImportJob.objects.filter(created_at__lt=cutoff).exclude(
        status__in=ImportJob.ACTIVE_STATUSES
    )
    deleted, _ = ImportIssue.objects.filter(job__in=expired).delete()
    anonymised = expired.exclude(content=b"").update(content=b"")
    return RuleResult("import files", anonymised=anonymised, deleted=deleted)


def matters_and_time(today: date) -> RuleResult:
    """Blank titles, instructing contacts and time notes of long-closed matters."""
    cutoff_day = years_before(today, settings.RETENTION_MATTER_YEARS)
    expired = Matter.objects.filter(closed_on__lt=cutoff_day).exclude(
        holds.held_matters_q()
    )
    notes = (
        TimeEntry.objects.filter(matter__in=expired).exclude(note="").update(note="")
    )
    matters = expired.exclude(title=REMOVED_TEXT, client_contact__isnull=True).update(
        title=REMOVED_TEXT, client_contact=None
    )
    return RuleResult("matters and time entries", anonymised=matters + notes)


def audit_entries(today: date) -> RuleResult:
    """Delete audit entries older than the period, except about held records."""
    cutoff = start_of(years_before(today, settings.RETENTION_AUDIT_YEARS))
    expired = AuditEvent.objects.filter(at__lt=cutoff)
    for model, held in _held_audit_targets():
        expired = expired.exclude(
            target_type=ContentType.objects.get_for_model(model),
            target_id__in=_ids_as_text(held),
        )
    deleted, _ = expired.delete()
    return RuleResult("audit entries", deleted=deleted)


def _held_audit_targets():
    return [
        (Client, Client.objects.filter(legal_hold=True)),
        (Contact, Contact.objects.filter(legal_hold=True) | _of_held_client(Contact)),
        (Matter, Matter.objects.filter(holds.held_matters_q())),
        (Interaction, Interaction.objects.filter(holds.held_interactions_q())),
        (Feedback, Feedback.objects.filter(holds.held_feedback_q())),
        (
            TimeEntry,
            TimeEntry.objects.filter(
                matter__in=Matter.objects.filter(holds.held_matters_q())
            ),
        ),
    ]


def _of_held_client(model):
    return model.objects.filter(client__legal_hold=True)


def _ids_as_text(queryset):
    # AuditEvent.target_id is text, so the subquery casts the keys to match.
    return queryset.annotate(
        key_text=Cast("pk", output_field=models.CharField(max_length=64))
    ).values("key_text")


RULES = [
    contact_log,
    survey_responses,
    survey_invitations,
    feedback_items,
    portal_invitations,
    import_files,
    matters_and_time,
    audit_entries,
]
