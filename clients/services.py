"""Writes of the clients app that touch several models or must be atomic."""

import enum
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role

from .models import DigestDelivery, Interaction

logger = logging.getLogger(__name__)


# Follow-up digest
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpDigestItem:
    """An open follow-up, as listed in a lawyer's digest email."""

    client_name: str
    client_url: str
    action: str
    due: date
    days_overdue: int

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


class _DigestOutcome(enum.Enum):
    SENT = "sent"
    ALREADY_CLAIMED = "already claimed"
    FAILED = "failed"


def send_follow_up_digests(*, day: date | None = None) -> int:
    """Email each active lawyer their open follow-ups due on or before ``day``.

    ``day`` defaults to today in Europe/London. A lawyer gets at most one
    digest per day, however often this runs and in however many workers,
    because a ``DigestDelivery`` row is committed before the email is sent. A
    failed send deletes that row again, so a later run retries the lawyer.

    Call it outside any transaction, as the Celery task does. Inside one, the
    claims would commit only with the caller, after the emails have gone.

    Returns the number of emails sent.
    """
    day = day or timezone.localdate()
    lawyers = _lawyers_with_follow_ups_due(day)
    items_by_lawyer = _follow_up_items_by_lawyer([lawyer.pk for lawyer in lawyers], day)

    outcomes = Counter()
    for lawyer in lawyers:
        items = items_by_lawyer.get(lawyer.pk)
        # The follow-ups may have been marked done between the two queries.
        if not items:
            continue

        outcomes[_deliver_follow_up_digest(lawyer, items, day)] += 1

    logger.info(
        "Follow-up digests for %s: %d sent, %d already claimed, %d failed",
        day.isoformat(),
        outcomes[_DigestOutcome.SENT],
        outcomes[_DigestOutcome.ALREADY_CLAIMED],
        outcomes[_DigestOutcome.FAILED],
    )
    return outcomes[_DigestOutcome.SENT]


def _lawyers_with_follow_ups_due(day: date) -> list[User]:
    due = Interaction.objects.follow_ups_due_by(day).filter(staff=OuterRef("pk"))
    lawyers = User.objects.filter(
        Exists(due), is_active=True, groups__name=Role.LAWYER.label
    )
    return list(lawyers.order_by("pk"))


def _follow_up_items_by_lawyer(
    lawyer_ids: list[int], day: date
) -> dict[int, list[FollowUpDigestItem]]:
    rows = (
        Interaction.objects.follow_ups_due_by(day)
        .filter(staff_id__in=lawyer_ids)
        .order_by("follow_up_due", "client__name", "pk")
        .values(
            "staff_id", "client_id", "client__name", "follow_up_action", "follow_up_due"
        )
    )
    items_by_lawyer = defaultdict(list)
    for row in rows:
        item = FollowUpDigestItem(
            client_name=row["client__name"],
            client_url=_absolute_url(
                reverse("clients:detail", args=[row["client_id"]])
            ),
            action=row["follow_up_action"],
            due=row["follow_up_due"],
            days_overdue=(day - row["follow_up_due"]).days,
        )
        items_by_lawyer[row["staff_id"]].append(item)
    return items_by_lawyer


def _deliver_follow_up_digest(
    lawyer: User, items: list[FollowUpDigestItem], day: date
) -> _DigestOutcome:
    delivery = _claim_follow_up_digest(lawyer, day)
    if delivery is None:
        return _DigestOutcome.ALREADY_CLAIMED

    try:
        _follow_up_digest_email(lawyer, items, day).send()
    except Exception:
        # Whatever failed, the lawyer has no digest, so the claim is released
        # for a later run to try again.
        DigestDelivery.objects.filter(pk=delivery.pk).delete()
        # NOTE: the traceback shows the exception's text, and an SMTP server's
        # refusal can quote the recipient's address there.
        logger.exception(
            "Follow-up digest for user %s on %s failed; a later run will retry",
            lawyer.pk,
            day.isoformat(),
        )
        return _DigestOutcome.FAILED

    delivery.sent_at = timezone.now()
    delivery.item_count = len(items)
    delivery.save(update_fields=["sent_at", "item_count"])
    return _DigestOutcome.SENT


def _claim_follow_up_digest(lawyer: User, day: date) -> DigestDelivery | None:
    """Insert the lawyer's delivery row for ``day``, or return None if it exists.

    The row's unique constraint on recipient, kind and day is what stops two
    workers from both sending.
    """
    # NOTE: a worker killed between this insert and the send leaves a row
    # with no sent_at, and that lawyer gets no digest that day.
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                recipient=lawyer, kind=DigestDelivery.Kind.FOLLOW_UPS, day=day
            )
    except IntegrityError:
        return None


def _follow_up_digest_email(
    lawyer: User, items: list[FollowUpDigestItem], day: date
) -> EmailMultiAlternatives:
    overdue_count = sum(item.is_overdue for item in items)
    context = {
        "lawyer": lawyer,
        "items": items,
        "day": day,
        "overdue_count": overdue_count,
    }
    text = render_to_string("clients/email/follow_up_digest.txt", context)
    html = render_to_string("clients/email/follow_up_digest.html", context)

    message = EmailMultiAlternatives(
        subject=_follow_up_digest_subject(len(items), overdue_count),
        body=text,
        to=[lawyer.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def _follow_up_digest_subject(item_count: int, overdue_count: int) -> str:
    noun = "follow-up" if item_count == 1 else "follow-ups"
    subject = f"Legal CRM: {item_count} {noun} due"
    if overdue_count:
        subject += f", {overdue_count} overdue"
    return subject


def _absolute_url(path: str) -> str:
    return settings.SITE_URL + path
