"""Writes to survey rounds: choosing the audience, launch, pause and close."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User
from clients.models import Client, Contact
from crm_site.celery import enqueue_on_commit

from ..models import Invitation, SurveyRound

logger = logging.getLogger(__name__)


def reachable_contacts() -> QuerySet[Contact]:
    """Active contacts with an email address who have not opted out."""
    return Contact.objects.filter(is_active=True, survey_opt_out__isnull=True).exclude(
        email=""
    )


def audience_contacts(survey_round: SurveyRound) -> QuerySet[Contact]:
    """The contacts a round invites when it launches.

    Organisations must be active, except for named contacts, where staff
    chose each person. A matter-closed round invites nobody at launch.
    """
    contacts = reachable_contacts().select_related("client__relationship_owner")
    active = {"client__status": Client.Status.ACTIVE}
    match survey_round.audience:
        case SurveyRound.Audience.CLIENT_KIND:
            contacts = contacts.filter(
                client__kind__in=survey_round.client_kinds, **active
            )
        case SurveyRound.Audience.TEAM:
            contacts = contacts.filter(
                client__relationship_owner__profile__team=survey_round.team_id, **active
            )
        case SurveyRound.Audience.CONTACTS:
            contacts = contacts.filter(survey_rounds=survey_round)
        case SurveyRound.Audience.KEY_ACCOUNTS:
            contacts = contacts.filter(client__key_account__isnull=False, **active)
        case _:
            return Contact.objects.none()
    return contacts.order_by("client__name", "full_name", "pk")


def launch_round(
    *, survey_round: SurveyRound, actor: User, now: datetime | None = None
) -> int:
    """Open a draft round, create its invitations and queue their emails.

    Returns the number of invitations created. Raises ``ValidationError`` when
    the round cannot be launched, with a message for the launching user.
    """
    from .. import tasks

    now = now or timezone.now()
    with transaction.atomic():
        survey_round = _locked(survey_round)
        _check_can_launch(survey_round, now)
        invitations = [
            Invitation(
                round=survey_round,
                contact=contact,
                lawyer=contact.client.relationship_owner,
                created_at=now,
            )
            for contact in audience_contacts(survey_round)
        ]
        Invitation.objects.bulk_create(invitations, ignore_conflicts=True)
        survey_round.status = SurveyRound.Status.OPEN
        survey_round.launched_at = now
        survey_round.save(update_fields=["status", "launched_at", "updated_at"])
        _record(actor, survey_round, "draft", "open", invitations=len(invitations))

    # If the broker is down, the survey sweep sends them later.
    enqueue_on_commit(tasks.send_round_invitations, survey_round.pk)
    logger.info(
        "Survey round %s launched with %d invitations",
        survey_round.pk,
        len(invitations),
    )
    return len(invitations)


def _check_can_launch(survey_round: SurveyRound, now: datetime) -> None:
    if not survey_round.is_draft:
        raise ValidationError("This round has already been launched.")
    if not survey_round.survey.questions.exists():
        raise ValidationError("The survey has no questions. Add a question first.")
    if survey_round.closes_at <= now:
        raise ValidationError(
            "The closing time has passed. Edit the round and choose a later one."
        )
    matter_round = survey_round.audience == SurveyRound.Audience.MATTER_CLOSED
    if not matter_round and not audience_contacts(survey_round).exists():
        raise ValidationError(
            "No contact in this audience can be surveyed: each needs an email "
            "address, an active organisation and no opt-out. Change the audience."
        )


def pause_round(*, survey_round: SurveyRound, actor: User) -> None:
    """Stop reminders and answers until the round is resumed."""
    _change_status(
        survey_round,
        actor,
        allowed_from=(SurveyRound.Status.OPEN,),
        to=SurveyRound.Status.PAUSED,
    )


def resume_round(*, survey_round: SurveyRound, actor: User) -> None:
    _change_status(
        survey_round,
        actor,
        allowed_from=(SurveyRound.Status.PAUSED,),
        to=SurveyRound.Status.OPEN,
    )


def close_round(*, survey_round: SurveyRound, actor: User) -> None:
    """Close the round for good: links stop working and no reminder goes out."""
    _change_status(
        survey_round,
        actor,
        allowed_from=(SurveyRound.Status.OPEN, SurveyRound.Status.PAUSED),
        to=SurveyRound.Status.CLOSED,
    )


def close_expired_rounds(*, now: datetime) -> int:
    """Mark every open or paused round whose closing time has passed as closed."""
    expired = SurveyRound.objects.filter(
        status__in=[SurveyRound.Status.OPEN, SurveyRound.Status.PAUSED],
        closes_at__lte=now,
    )
    return expired.update(status=SurveyRound.Status.CLOSED, closed_at=now)


def _change_status(survey_round, actor, *, allowed_from, to):
    with transaction.atomic():
        survey_round = _locked(survey_round)
        before = survey_round.status
        if before not in allowed_from:
            raise ValidationError(
                f"A {survey_round.get_status_display().lower()} round cannot be "
                f"changed to {SurveyRound.Status(to).label.lower()}."
            )
        survey_round.status = to
        fields = ["status", "updated_at"]
        if to == SurveyRound.Status.CLOSED:
            survey_round.closed_at = timezone.now()
            fields.append("closed_at")
        survey_round.save(update_fields=fields)
        _record(actor, survey_round, before, to)


def _locked(survey_round: SurveyRound) -> SurveyRound:
    return (
        SurveyRound.objects.select_for_update(of=("self",))
        .select_related("survey")
        .get(pk=survey_round.pk)
    )


def _record(actor, survey_round, before, after, **extra):
    changes = {"status": [before, after], **{k: str(v) for k, v in extra.items()}}
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=survey_round,
        changes=changes,
    )
