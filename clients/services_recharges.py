"""Recharge statements: drafting, working out lines, issuing.

A statement for a month takes the client's chargeable entries dated in that
month that no issued statement has taken. It also takes, as adjustments,
unbilled entries dated in an earlier month whose statement for this client
was already issued: time recorded late, shown with its original date.
Entries of an earlier month with no issued statement wait for that month's
own statement. Issuing copies each entry into a ``RechargeLine``, whose
one-to-one link to the entry stops any entry being recharged twice.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User

from .models import Client, RechargeLine, RechargeStatement, TimeEntry
from .money import sum_amounts

logger = logging.getLogger(__name__)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def recharge_clients():
    """Internal clients with a cost centre, the ones that get statements."""
    return Client.objects.filter(kind__in=Client.INTERNAL_KINDS).exclude(
        cost_centre_code=""
    )


def issued_months(client_ids) -> dict[int, set[date]]:
    """Return the months each client already has an issued statement for."""
    months = defaultdict(set)
    rows = RechargeStatement.objects.filter(
        client_id__in=client_ids, status=RechargeStatement.Status.ISSUED
    ).values_list("client_id", "month")
    for client_id, month in rows:
        months[client_id].add(month)
    return months


def unbilled_entries(*, client_id: int, month: date):
    """Chargeable entries a statement for ``month`` would recharge now."""
    periods = Q(worked_on__range=(month, month_end(month)))
    for earlier in issued_months([client_id])[client_id]:
        if earlier < month:
            periods |= Q(worked_on__range=(earlier, month_end(earlier)))
    return TimeEntry.objects.filter(
        periods,
        matter__client_id=client_id,
        is_chargeable=True,
        recharge_line__isnull=True,
    )


def _unbilled_by_client_month(client_ids, latest: date):
    """Return ``{client id: [(month, amount)]}`` of unbilled chargeable time."""
    filters = {"is_chargeable": True, "recharge_line__isnull": True}
    if client_ids is not None:
        filters["matter__client_id__in"] = client_ids
    rows = (
        TimeEntry.objects.filter(worked_on__lte=month_end(latest), **filters)
        .annotate(month=TruncMonth("worked_on"))
        .values("matter__client_id", "month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    by_client = defaultdict(list)
    for row in rows:
        by_client[row["matter__client_id"]].append((row["month"], row["amount"]))
    return by_client


def _counts_towards(entry_month: date, month: date, issued: set[date]) -> bool:
    return entry_month == month or (entry_month < month and entry_month in issued)


@dataclass(frozen=True)
class StatementLine:
    """One time entry as a statement shows it."""

    time_entry_id: int
    worked_on: date
    matter_id: int
    matter_reference: str
    matter_title: str
    staff_id: int
    staff_name: str
    minutes: int
    hourly_rate: Decimal
    amount: Decimal
    is_adjustment: bool


@dataclass
class LineGroup:
    """The lines of one matter and one lawyer, with their sums."""

    matter_reference: str
    matter_title: str
    staff_name: str
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def amount(self) -> Decimal:
        return sum_amounts(line.amount for line in self.lines)


@dataclass
class StatementContents:
    """A statement's lines, grouped by matter and lawyer, with the totals."""

    groups: list[LineGroup]
    adjustments: list[StatementLine]

    @property
    def lines(self) -> list[StatementLine]:
        return [line for group in self.groups for line in group.lines] + list(
            self.adjustments
        )

    @property
    def time_amount(self) -> Decimal:
        return sum_amounts(group.amount for group in self.groups)

    @property
    def adjustment_amount(self) -> Decimal:
        return sum_amounts(line.amount for line in self.adjustments)

    @property
    def total(self) -> Decimal:
        return self.time_amount + self.adjustment_amount

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)


def statement_contents(statement: RechargeStatement) -> StatementContents:
    """Return the lines of a statement: as issued, or as they stand for a draft."""
    if statement.is_issued:
        lines = _issued_lines(statement)
    else:
        lines = _draft_lines(statement)
    return _group(lines)


def _draft_lines(statement) -> list[StatementLine]:
    entries = (
        unbilled_entries(client_id=statement.client_id, month=statement.month)
        .select_related("matter", "staff")
        .order_by("matter__reference", "staff__full_name", "worked_on", "pk")
    )
    return [
        StatementLine(
            time_entry_id=entry.pk,
            worked_on=entry.worked_on,
            matter_id=entry.matter_id,
            matter_reference=entry.matter.reference,
            matter_title=entry.matter.title,
            staff_id=entry.staff_id,
            staff_name=entry.staff.full_name,
            minutes=entry.minutes,
            hourly_rate=entry.hourly_rate,
            amount=entry.amount,
            is_adjustment=entry.worked_on < statement.month,
        )
        for entry in entries
    ]


def _issued_lines(statement) -> list[StatementLine]:
    rows = statement.lines.select_related("matter", "staff").order_by(
        "matter__reference", "staff__full_name", "worked_on", "pk"
    )
    return [
        StatementLine(
            time_entry_id=row.time_entry_id,
            worked_on=row.worked_on,
            matter_id=row.matter_id,
            matter_reference=row.matter.reference,
            matter_title=row.matter.title,
            staff_id=row.staff_id,
            staff_name=row.staff.full_name,
            minutes=row.minutes,
            hourly_rate=row.hourly_rate,
            amount=row.amount,
            is_adjustment=row.is_adjustment,
        )
        for row in rows
    ]


def _group(lines: list[StatementLine]) -> StatementContents:
    groups: dict[tuple[int, int], LineGroup] = {}
    adjustments = []
    for line in lines:
        if line.is_adjustment:
            adjustments.append(line)
            continue
        key = (line.matter_id, line.staff_id)
        if key not in groups:
            groups[key] = LineGroup(
                line.matter_reference, line.matter_title, line.staff_name
            )
        groups[key].lines.append(line)
    adjustments.sort(key=lambda line: (line.worked_on, line.matter_reference))
    return StatementContents(groups=list(groups.values()), adjustments=adjustments)


def draft_totals(statements) -> dict[int, Decimal]:
    """Return the current total of each draft in ``statements``, in two queries."""
    drafts = [s for s in statements if not s.is_issued]
    if not drafts:
        return {}
    client_ids = {s.client_id for s in drafts}
    by_client = _unbilled_by_client_month(client_ids, max(s.month for s in drafts))
    issued = issued_months(client_ids)
    return {
        s.pk: sum_amounts(
            amount
            for entry_month, amount in by_client[s.client_id]
            if _counts_towards(entry_month, s.month, issued[s.client_id])
        )
        for s in drafts
    }


# Writes
# ---------------------------------------------------------------------------


def draft_statements(
    *, month: date, actor: User, request=None
) -> list[RechargeStatement]:
    """Create a draft for each internal client with time to recharge up to ``month``.

    Clients that already have a statement for the month keep it. Returns the
    drafts created.
    """
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": "Choose this month or an earlier one."})
    by_client = _unbilled_by_client_month(None, month)
    issued = issued_months(list(by_client))
    with_time = [
        client_id
        for client_id, months in by_client.items()
        if any(_counts_towards(m, month, issued[client_id]) for m, _a in months)
    ]
    clients = recharge_clients().filter(pk__in=with_time)
    existing = set(
        RechargeStatement.objects.filter(month=month).values_list(
            "client_id", flat=True
        )
    )
    created = []
    with transaction.atomic():
        for client in clients.order_by("name"):
            if client.pk in existing:
                continue
            statement = RechargeStatement.objects.create(
                client=client,
                month=month,
                cost_centre_code=client.cost_centre_code,
                created_by=actor,
            )
            audit.record(
                action=AuditEvent.Action.CREATE,
                actor=actor,
                target=statement,
                changes={"month": f"{month:%Y-%m}", "status": "draft"},
                request=request,
            )
            created.append(statement)
    logger.info(
        "Drafted %d recharge statements for %s by user %s",
        len(created),
        f"{month:%Y-%m}",
        actor.pk,
    )
    return created


def issue_statement(
    *, statement: RechargeStatement, actor: User, request=None
) -> RechargeStatement:
    """Freeze a draft's lines, total it and mark it issued.

    Raises ``ValidationError`` if it is already issued, if it has no lines,
    or if another statement took some of its entries at the same moment.
    """
    try:
        with transaction.atomic():
            return _issue_locked(statement.pk, actor, request)
    except IntegrityError as error:
        raise ValidationError(
            "Some of this time was recharged on another statement at the same "
            "moment. Reload the statement and issue it again."
        ) from error


def _issue_locked(statement_id, actor, request):
    statement = (
        RechargeStatement.objects.select_for_update()
        .select_related("client")
        .get(pk=statement_id)
    )
    if statement.is_issued:
        raise ValidationError("This statement has already been issued.")
    contents = statement_contents(statement)
    if not contents.lines:
        raise ValidationError(
            "There is no chargeable time to recharge on this statement. "
            "Delete the draft instead."
        )

    RechargeLine.objects.bulk_create(
        [_line_row(statement, line) for line in contents.lines]
    )
    statement.status = RechargeStatement.Status.ISSUED
    statement.total = contents.total
    statement.cost_centre_code = statement.client.cost_centre_code
    statement.issued_at = timezone.now()
    statement.issued_by = actor
    statement.save(
        update_fields=["status", "total", "cost_centre_code", "issued_at", "issued_by"]
    )
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=statement,
        changes={
            "status": ["draft", "issued"],
            "total": str(statement.total),
            "lines": len(contents.lines),
        },
        request=request,
    )
    logger.info(
        "Recharge statement %s issued by user %s: %d lines, total %s",
        statement.pk,
        actor.pk,
        len(contents.lines),
        statement.total,
    )
    return statement


def _line_row(statement, line: StatementLine) -> RechargeLine:
    return RechargeLine(
        statement=statement,
        time_entry_id=line.time_entry_id,
        matter_id=line.matter_id,
        staff_id=line.staff_id,
        worked_on=line.worked_on,
        minutes=line.minutes,
        hourly_rate=line.hourly_rate,
        amount=line.amount,
        is_adjustment=line.is_adjustment,
    )


def delete_draft(*, statement: RechargeStatement, actor: User, request=None) -> None:
    if statement.is_issued:
        raise ValidationError("An issued statement cannot be deleted.")
    with transaction.atomic():
        audit.record(
            action=AuditEvent.Action.DELETE,
            actor=actor,
            target=statement,
            changes={"month": f"{statement.month:%Y-%m}"},
            request=request,
        )
        statement.delete()
