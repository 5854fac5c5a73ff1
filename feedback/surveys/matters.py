"""Post-matter surveys: invite a matter's client contact when the matter closes."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from clients.models import Contact
from crm_site.celery import enqueue_on_commit

from ..models import Invitation, SurveyRound
from .rounds import reachable_contacts

logger = logging.getLogger(__name__)


def invite_on_matter_closed(sender, *, matter, **kwargs):
    """Receiver of ``clients.signals.matter_closed``.

    A failure here is logged and never stops the matter from closing, which
    is why the work runs in a savepoint of the closing transaction.
    """
    try:
        with transaction.atomic():
            invite_after_matter(matter=matter)
    except DatabaseError:
        logger.exception(
            "Post-matter survey invitation for matter %s failed", matter.pk
        )


def invite_after_matter(*, matter, now: datetime | None = None) -> Invitation | None:
    """Invite the matter's client contact to the open post-matter round.

    Nobody is invited when the matter has no contact, the contact cannot be
    emailed or has opted out, no post-matter round is open, the contact is in
    that round already, or any round invited the contact in the last
    ``SURVEY_COOLDOWN_DAYS`` days.
    Returns the new invitation, whose email is queued after commit.
    """
    from .. import tasks

    now = now or timezone.now()
    if matter.client_contact_id is None:
        return None
    survey_round = open_post_matter_round(now)
    if survey_round is None:
        logger.info("Matter %s closed with no post-matter round open", matter.pk)
        return None

    with transaction.atomic():
        # Locking the contact makes two matters closing at once for one
        # contact take turns, so the second sees the first one's invitation.
        contact = (
            reachable_contacts()
            .select_for_update(of=("self",))
            .filter(pk=matter.client_contact_id)
            .first()
        )
        if contact is None or invited_recently(contact, now):
            return None
        # A round invites each contact once, however long it stays open.
        if Invitation.objects.filter(round=survey_round, contact=contact).exists():
            return None
        invitation = Invitation.objects.create(
            round=survey_round,
            contact=contact,
            lawyer_id=matter.responsible_lawyer_id,
            matter_reference=matter.reference,
            created_at=now,
        )
    # If the broker is down, the survey sweep sends it later.
    enqueue_on_commit(tasks.send_invitation, invitation.pk)
    return invitation


def open_post_matter_round(now: datetime) -> SurveyRound | None:
    """The most recently opened round for closed matters that accepts answers."""
    return (
        SurveyRound.objects.filter(
            audience=SurveyRound.Audience.MATTER_CLOSED,
            status=SurveyRound.Status.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .order_by("-opens_at", "-pk")
        .first()
    )


def invited_recently(contact: Contact, now: datetime) -> bool:
    """Return whether any round invited ``contact`` in the cool-down period."""
    since = now - timedelta(days=settings.SURVEY_COOLDOWN_DAYS)
    return Invitation.objects.filter(contact=contact, created_at__gt=since).exists()
