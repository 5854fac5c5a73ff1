"""Writes to matters and time entries: opening, closing, recording time."""

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.models import AuditEvent, User

from .models import (
    ClientPromiseOverride,
    HourlyRate,
    Matter,
    ServicePromise,
    TimeEntry,
)
from .privacy import holds
from .signals import matter_closed

logger = logging.getLogger(__name__)


# Hourly rates
# ---------------------------------------------------------------------------


class RateBook:
    """Every dated rate of some staff members, read in one query.

    ``rate_on`` then finds the rate in force on any day without a query, which
    keeps timesheets and imports at a flat number of queries.
    """

    def __init__(self, staff_ids: Iterable[int]):
        self._days: dict[int, list[date]] = defaultdict(list)
        self._rates: dict[int, list[Decimal]] = defaultdict(list)
        rows = (
            HourlyRate.objects.filter(staff_id__in=set(staff_ids))
            .order_by("staff_id", "effective_from")
            .values_list("staff_id", "effective_from", "rate")
        )
        for staff_id, effective_from, rate in rows:
            self._days[staff_id].append(effective_from)
            self._rates[staff_id].append(rate)

    def rate_on(self, staff_id: int, day: date) -> Decimal | None:
        """Return the rate in force for ``staff_id`` on ``day``, or None."""
        position = bisect.bisect_right(self._days[staff_id], day)
        if position == 0:
            return None
        return self._rates[staff_id][position - 1]


def rate_in_force(*, staff_id: int, day: date) -> Decimal:
    """Return the staff member's rate on ``day``; raise ``ValidationError`` if none."""
    rate = RateBook([staff_id]).rate_on(staff_id, day)
    if rate is None:
        raise ValidationError(missing_rate_message(day))
    return rate


def missing_rate_message(day: date) -> str:
    return (
        f"There is no hourly rate for this person on {day:%d/%m/%Y}. Ask an "
        "administrator to add one from that date or earlier."
    )


# Matters
# ---------------------------------------------------------------------------


def agreed_promise(*, client_id: int, matter_type) -> ServicePromise | None:
    """Return the client's agreed promise for the matter type, or its default."""
    override = (
        ClientPromiseOverride.objects.filter(
            client_id=client_id, matter_type=matter_type
        )
        .select_related("promise")
        .first()
    )
    if override is not None:
        return override.promise
    return matter_type.default_promise


def apply_promise(matter: Matter, *, keep_target: bool = False) -> None:
    """Fill in the matter's promise and, unless kept, its target date."""
    if matter.service_promise_id is None:
        matter.service_promise = agreed_promise(
            client_id=matter.client_id, matter_type=matter.matter_type
        )
    if keep_target and matter.target_date:
        return
    if matter.service_promise is not None:
        matter.target_date = matter.service_promise.due_date(matter.opened_on)
    else:
        matter.target_date = None


def close_matter(
    *,
    matter: Matter,
    closed_on: date,
    actor: User,
    outcome: str = "",
    request=None,
) -> Matter:
    """Close the matter, record it in the audit trail and send ``matter_closed``."""
    if matter.status == Matter.Status.CLOSED:
        raise ValidationError("This matter is already closed.")
    previous = matter.status
    matter.status = Matter.Status.CLOSED
    matter.closed_on = closed_on
    matter.outcome = outcome
    matter.full_clean()
    with transaction.atomic():
        matter.save(update_fields=["status", "closed_on", "outcome", "updated_at"])
        _record_status_change(matter, actor, request, previous)
        matter_closed.send(sender=Matter, matter=matter)
    logger.info("Matter %s closed by user %s", matter.pk, actor.pk)
    return matter


def set_matter_status(
    *, matter: Matter, status: str, actor: User, request=None
) -> Matter:
    """Put a matter on hold or reopen it. Closing goes through ``close_matter``."""
    if status == Matter.Status.CLOSED:
        raise ValueError("Close a matter with close_matter, which sends matter_closed.")
    previous = matter.status
    matter.status = status
    matter.closed_on = None
    matter.outcome = ""
    matter.full_clean()
    with transaction.atomic():
        matter.save(update_fields=["status", "closed_on", "outcome", "updated_at"])
        _record_status_change(matter, actor, request, previous)
    return matter


def record_promise_met(
    *, matter: Matter, met_on: date | None, actor: User, request=None
) -> Matter:
    """Set or clear the day the matter's promised work was done."""
    before = str(matter.promise_met_on) if matter.promise_met_on else None
    matter.promise_met_on = met_on
    matter.full_clean()
    with transaction.atomic():
        matter.save(update_fields=["promise_met_on", "updated_at"])
        audit.record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            target=matter,
            changes={"promise_met_on": [before, str(met_on) if met_on else None]},
            request=request,
        )
    return matter


def _record_status_change(matter, actor, request, previous):
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=matter,
        changes={
            "status": [previous, matter.status],
            "closed_on": str(matter.closed_on) if matter.closed_on else None,
        },
        request=request,
    )


# Time entries
# ---------------------------------------------------------------------------


def prepare_time_entry(entry: TimeEntry, rates: RateBook | None = None) -> TimeEntry:
    """Copy the rate in force onto a new or changed entry and work out its amount.

    Non-chargeable time with no rate in force is valued at £0.00, because it
    is never recharged. Raises ``ValidationError`` for chargeable time with
    no rate, and for an entry already on an issued statement.
    """
    if entry.pk and is_billed(entry):
        raise ValidationError(
            "This time is on an issued recharge statement and cannot change. "
            "Record a new entry to add time."
        )
    rates = rates or RateBook([entry.staff_id])
    rate = rates.rate_on(entry.staff_id, entry.worked_on)
    if rate is None and entry.is_chargeable:
        raise ValidationError({"worked_on": missing_rate_message(entry.worked_on)})
    entry.hourly_rate = rate if rate is not None else Decimal("0.00")
    return entry.set_amount()


def is_billed(entry: TimeEntry) -> bool:
    billed = getattr(entry, "is_billed", None)
    if billed is not None:
        return billed
    return hasattr(entry, "recharge_line")


def save_time_entry(*, entry: TimeEntry, actor: User, request=None) -> TimeEntry:
    """Validate and save one entry, with the rate in force on its date."""
    creating = entry.pk is None
    before = {} if creating else audit.snapshot(TimeEntry.objects.get(pk=entry.pk))
    prepare_time_entry(entry)
    if creating:
        entry.created_by = actor
    entry.full_clean(exclude=["import_key"])
    with transaction.atomic():
        entry.save()
        after = audit.snapshot(entry)
        audit.record(
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
            actor=actor,
            target=entry,
            changes=after if creating else audit.changed_fields(before, after),
            request=request,
        )
    return entry


def delete_time_entry(*, entry: TimeEntry, actor: User, request=None) -> None:
    if is_billed(entry):
        raise ValidationError(
            "This time is on an issued recharge statement and cannot be deleted."
        )
    hold_reasons = holds.holds_blocking_deletion(entry)
    if hold_reasons:
        raise ValidationError(
            f"This time entry cannot be deleted: {' '.join(hold_reasons)}"
        )
    with transaction.atomic():
        audit.record(
            action=AuditEvent.Action.DELETE,
            actor=actor,
            target=entry,
            changes=audit.snapshot(entry),
            request=request,
        )
        entry.delete()


@dataclass(frozen=True)
class TimesheetCell:
    """The minutes typed for one matter on one day of a timesheet."""

    matter: Matter
    day: date
    minutes: int | None


def save_timesheet_cell(
    *,
    staff: User,
    cell: TimesheetCell,
    other_minutes: int,
    existing: TimeEntry | None,
    rates: RateBook,
    actor: User,
    request=None,
) -> str:
    """Make the day's total for the matter equal the typed minutes.

    The timesheet keeps one entry of its own per matter and day, holding the
    typed total less ``other_minutes``, the minutes of entries made elsewhere.
    Returns what happened: ``created``, ``updated``, ``deleted`` or
    ``unchanged``. Raises ``ValidationError`` for minutes that cannot be saved.
    """
    typed = cell.minutes or 0
    own = typed - other_minutes
    if own < 0:
        raise ValidationError(
            f"Other entries already record {other_minutes} minutes on this day. "
            f"Enter {other_minutes} or more, or change those entries on the "
            "matter page."
        )
    if existing is None and own == 0:
        return "unchanged"
    if existing is not None and existing.minutes == own:
        return "unchanged"
    if existing is not None and own == 0:
        delete_time_entry(entry=existing, actor=actor, request=request)
        return "deleted"

    entry = existing or TimeEntry(
        matter=cell.matter,
        staff=staff,
        worked_on=cell.day,
        is_chargeable=cell.matter.is_chargeable,
        activity=TimeEntry.Activity.OTHER,
        from_timesheet=True,
        created_by=actor,
    )
    entry.minutes = own
    prepare_time_entry(entry, rates)
    entry.full_clean(exclude=["import_key"], validate_unique=False)
    with transaction.atomic():
        entry.save()
        audit.record(
            action=AuditEvent.Action.UPDATE if existing else AuditEvent.Action.CREATE,
            actor=actor,
            target=entry,
            changes={"minutes": own, "worked_on": str(cell.day)},
            request=request,
        )
    return "updated" if existing else "created"
