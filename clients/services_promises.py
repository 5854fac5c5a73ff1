"""The weekly digest of service promises at risk, one email per lawyer a week.

It follows the follow-up digest in ``clients.services``. A ``DigestDelivery``
row, keyed on the lawyer, the kind and the Monday of the week, is committed
before the email goes. So the digest is sent at most once a week, however
often and in however many workers the job runs.
"""

import enum
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role

from .models import AT_RISK_WORKING_DAYS, DigestDelivery, Matter
from .working_days import add_working_days

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromiseDigestItem:
    """An unmet promise of one matter, as the digest lists it."""

    reference: str
    title: str
    client_name: str
    promise: str
    due: date
    url: str
    is_overdue: bool


class _Outcome(enum.Enum):
    SENT = "sent"
    ALREADY_CLAIMED = "already claimed"
    FAILED = "failed"


def send_promise_digests(*, day: date | None = None) -> int:
    """Email each active lawyer their matters whose promise is at risk or overdue.

    A promise is at risk when it is unmet and due within 2 working days of
    ``day`` (default: today in London). Closed matters are left out. Call it
    outside a transaction, as the Celery task does. Returns the emails sent.
    """
    day = day or timezone.localdate()
    week = day - timedelta(days=day.weekday())
    items_by_lawyer = _items_by_lawyer(day)
    lawyers = User.objects.filter(
        pk__in=items_by_lawyer, is_active=True, groups__name=Role.LAWYER.label
    ).order_by("pk")

    outcomes = Counter()
    for lawyer in lawyers:
        outcomes[_deliver(lawyer, items_by_lawyer[lawyer.pk], day, week)] += 1
    logger.info(
        "Promise digests for the week of %s: %d sent, %d already claimed, %d failed",
        week.isoformat(),
        outcomes[_Outcome.SENT],
        outcomes[_Outcome.ALREADY_CLAIMED],
        outcomes[_Outcome.FAILED],
    )
    return outcomes[_Outcome.SENT]


def _items_by_lawyer(day: date) -> dict[int, list[PromiseDigestItem]]:
    last_day = add_working_days(day, AT_RISK_WORKING_DAYS)
    claimed = DigestDelivery.objects.filter(
        recipient=OuterRef("responsible_lawyer"),
        kind=DigestDelivery.Kind.PROMISES_AT_RISK,
        day=day - timedelta(days=day.weekday()),
    )
    matters = (
        Matter.objects.promise_pending()
        .exclude(status=Matter.Status.CLOSED)
        .filter(target_date__lte=last_day)
        .exclude(Exists(claimed))
        .select_related("client", "service_promise")
        .order_by("target_date", "reference")
    )
    items = defaultdict(list)
    for matter in matters:
        items[matter.responsible_lawyer_id].append(
            PromiseDigestItem(
                reference=matter.reference,
                title=matter.title,
                client_name=matter.client.name,
                promise=matter.service_promise.name if matter.service_promise else "",
                due=matter.target_date,
                url=settings.SITE_URL + matter.get_absolute_url(),
                is_overdue=matter.target_date < day,
            )
        )
    return items


def _deliver(lawyer, items, day, week) -> _Outcome:
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(
                recipient=lawyer, kind=DigestDelivery.Kind.PROMISES_AT_RISK, day=week
            )
    except IntegrityError:
        return _Outcome.ALREADY_CLAIMED

    try:
        _email(lawyer, items, day).send()
    except Exception:
        # The lawyer has no digest, so the claim is released for a later run.
        DigestDelivery.objects.filter(pk=delivery.pk).delete()
        logger.exception(
            "Promise digest for user %s, week of %s, failed; a later run will retry",
            lawyer.pk,
            week.isoformat(),
        )
        return _Outcome.FAILED

    delivery.sent_at = timezone.now()
    delivery.item_count = len(items)
    delivery.save(update_fields=["sent_at", "item_count"])
    return _Outcome.SENT


def _email(lawyer, items, day) -> EmailMultiAlternatives:
    overdue = sum(item.is_overdue for item in items)
    context = {"lawyer": lawyer, "items": items, "day": day, "overdue_count": overdue}
    text = render_to_string("clients/matters/email/promises_digest.txt", context)
    html = render_to_string("clients/matters/email/promises_digest.html", context)
    noun = "promise" if len(items) == 1 else "promises"
    subject = f"Legal CRM: {len(items)} service {noun} at risk"
    if overdue:
        subject += f", {overdue} overdue"
    message = EmailMultiAlternatives(subject=subject, body=text, to=[lawyer.email])
    message.attach_alternative(html, "text/html")
    return message
