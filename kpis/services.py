"""Writes of the kpis app: rollups, hand-entered values and benchmarks.

A rollup upserts one ``KpiRecord`` per definition, period and scope with a
single ``INSERT ... ON CONFLICT DO UPDATE`` per batch, so running it twice,
or two workers running it at once, leaves one record for each.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent

from .calculators import all_calculators
from .choices import MANUAL_SOURCE, SERVICE_SCOPE_ID, ScopeKind, Unit
from .models import Benchmark, KpiDefinition, KpiRecord
from .periods import Period, PeriodKind

logger = logging.getLogger(__name__)

RECORD_KEY = ["definition", "period_kind", "period_start", "scope_kind", "scope_id"]
RECORD_VALUES = [
    "scope_label",
    "value",
    "numerator",
    "denominator",
    "missing_reason",
    "computed_at",
]
# Records per upsert statement: big enough that a rollup of a year makes a
# few dozen statements, small enough to keep each one's parameters modest.
UPSERT_BATCH = 5000


def recent_periods(today: date) -> list[Period]:
    """Return the current and previous period of every period kind."""
    periods = []
    for kind in PeriodKind.values:
        current = Period.containing(kind, today)
        periods += [current.previous(), current]
    return periods


def rollup(*, periods: Iterable[Period], codes: Iterable[str] | None = None) -> int:
    """Compute every calculated KPI for ``periods`` and return the records written."""
    periods = sorted(set(periods))
    definitions = KpiDefinition.objects.filter(active=True).exclude(
        source=MANUAL_SOURCE
    )
    if codes is not None:
        definitions = definitions.filter(code__in=list(codes))

    calculators = all_calculators()
    written = 0
    started = time.monotonic()
    for definition in definitions:
        calculator = calculators.get(definition.source)
        if calculator is None:
            logger.error(
                "KPI %s names unknown calculator %s, so it was skipped",
                definition.code,
                definition.source,
            )
            continue
        written += _rollup_definition(definition, calculator, periods)
    logger.info(
        "KPI rollup wrote %d records in %.1f s", written, time.monotonic() - started
    )
    return written


def rollup_recent(*, today: date) -> int:
    """Compute the current and previous periods: the nightly job."""
    return rollup(periods=recent_periods(today))


def _rollup_definition(definition, calculator, periods: list[Period]) -> int:
    """Upsert one KPI's records for ``periods`` in one transaction.

    The calculator works out all the periods of a scope kind together, so
    that a KPI over dated rows reads them once, not once per period.
    """
    rows = []
    scope_ids = {}
    for scope_kind in calculator.scope_kinds:
        by_period = calculator.compute_periods(periods, scope_kind)
        for period in periods:
            results = by_period.get(period, {})
            scope_ids[period, scope_kind] = list(results)
            rows += [
                (period.kind, period.start, scope_kind, scope_id, result)
                for scope_id, result in results.items()
            ]
    # Rows go in key order, so that two workers rolling up at once lock them
    # in the same order and do not deadlock.
    rows.sort(key=lambda row: row[:4])
    with transaction.atomic():
        _upsert(definition, rows, computed_at=timezone.now())
        for (period, scope_kind), kept in scope_ids.items():
            # Scopes that have no source rows left lose their old record.
            KpiRecord.objects.filter(
                definition=definition,
                period_kind=period.kind,
                period_start=period.start,
                scope_kind=scope_kind,
                is_manual=False,
            ).exclude(scope_id__in=kept).delete()
    return len(rows)


def _upsert(definition, rows, *, computed_at) -> None:
    """Insert or update the records of ``rows`` (kind, start, scope kind, id, result).

    On PostgreSQL each batch is one statement over arrays of column values,
    which skips building a model instance per record: a rollup of a year
    writes tens of thousands of client records.
    """
    if connection.vendor != "postgresql":
        records = [
            KpiRecord(
                definition=definition,
                period_kind=kind,
                period_start=start,
                scope_kind=scope_kind,
                scope_id=scope_id,
                scope_label=result.scope_label,
                value=result.value,
                numerator=result.numerator,
                denominator=result.denominator,
                missing_reason=result.missing_reason,
                computed_at=computed_at,
            )
            for kind, start, scope_kind, scope_id, result in rows
        ]
        KpiRecord.objects.bulk_create(
            records,
            batch_size=UPSERT_BATCH,
            update_conflicts=True,
            unique_fields=RECORD_KEY,
            update_fields=RECORD_VALUES,
        )
        return
    with connection.cursor() as cursor:
        for first in range(0, len(rows), UPSERT_BATCH):
            batch = rows[first : first + UPSERT_BATCH]
            results = [row[4] for row in batch]
            cursor.execute(
                _UPSERT_SQL,
                {
                    "definition": definition.pk,
                    "computed_at": computed_at,
                    "kinds": [row[0] for row in batch],
                    "starts": [row[1] for row in batch],
                    "scope_kinds": [row[2] for row in batch],
                    "scope_ids": [row[3] for row in batch],
                    "labels": [result.scope_label for result in results],
                    "values": [result.value for result in results],
                    "numerators": [result.numerator for result in results],
                    "denominators": [result.denominator for result in results],
                    "reasons": [result.missing_reason for result in results],
                },
            )


_UPSERT_SQL = """
INSERT INTO kpis_kpirecord (
    definition_id, period_kind, period_start, scope_kind, scope_id,
    scope_label, value, numerator, denominator, missing_reason,
    computed_at, is_manual, note
)
SELECT %(definition)s, kind, start, scope_kind, scope_id,
    label, value, numerator, denominator, reason,
    %(computed_at)s, false, ''
FROM unnest(
    %(kinds)s::varchar[], %(starts)s::date[], %(scope_kinds)s::varchar[],
    %(scope_ids)s::integer[], %(labels)s::varchar[], %(values)s::numeric[],
    %(numerators)s::numeric[], %(denominators)s::numeric[], %(reasons)s::varchar[]
) AS new (
    kind, start, scope_kind, scope_id, label, value, numerator, denominator, reason
)
ON CONFLICT (definition_id, period_kind, period_start, scope_kind, scope_id)
DO UPDATE SET
    scope_label = excluded.scope_label,
    value = excluded.value,
    numerator = excluded.numerator,
    denominator = excluded.denominator,
    missing_reason = excluded.missing_reason,
    computed_at = excluded.computed_at
"""


# Hand-entered values
# ---------------------------------------------------------------------------


def validate_value(unit: str, raw) -> Decimal:
    """Return ``raw`` as a Decimal valid for ``unit``, or raise ``ValidationError``."""
    try:
        value = Decimal(str(raw).strip().replace(",", "").lstrip("£"))
    except InvalidOperation:
        raise ValidationError("Enter a number, such as 87.5.") from None
    if not value.is_finite():
        raise ValidationError("Enter a number, such as 87.5.")
    exponent = value.as_tuple().exponent
    if unit == Unit.PERCENT and not 0 <= value <= 100:
        raise ValidationError("Enter a percentage from 0 to 100.")
    if unit == Unit.SCORE and not -100 <= value <= 100:
        raise ValidationError("Enter a score from -100 to 100.")
    if unit == Unit.MONEY and (value < 0 or exponent < -2):
        raise ValidationError("Enter pounds and pence, such as 1250.50.")
    if unit == Unit.COUNT and (value < 0 or value != value.to_integral_value()):
        raise ValidationError("Enter a whole number of zero or more.")
    if unit == Unit.HOURS and (value < 0 or exponent < -2):
        raise ValidationError("Enter hours of zero or more, to two decimal places.")
    if abs(value) >= 10**10 or exponent < -4:
        raise ValidationError("Enter at most 10 digits before the point and 4 after.")
    return value


def enter_manual_value(
    *,
    definition: KpiDefinition,
    period: Period,
    raw_value,
    note: str = "",
    actor,
    request=None,
) -> KpiRecord:
    """Save a hand-entered whole-service value of a manual KPI, audited."""
    if not definition.is_manual:
        raise ValidationError("This KPI is computed. Recompute the period instead.")
    value = validate_value(definition.unit, raw_value)

    with transaction.atomic():
        record, created = KpiRecord.objects.select_for_update().get_or_create(
            definition=definition,
            period_kind=period.kind,
            period_start=period.start,
            scope_kind=ScopeKind.SERVICE,
            scope_id=SERVICE_SCOPE_ID,
            defaults={"is_manual": True},
        )
        before = audit.snapshot(record, ["value", "note"])
        record.value = value
        record.note = note
        record.is_manual = True
        record.missing_reason = ""
        record.entered_by = actor
        record.computed_at = timezone.now()
        record.full_clean()
        record.save()
        after = audit.snapshot(record, ["value", "note"])
        audit.record(
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            actor=actor,
            target=record,
            changes=after if created else audit.changed_fields(before, after),
            request=request,
        )
    return record


# Benchmarks
# ---------------------------------------------------------------------------


def quartile_position(ours: Decimal | None, peers: list[Decimal], direction: str):
    """Return our quartile among the peers, 1 best to 4 worst, or None.

    The quartile is 1 + the share of peers doing strictly better than us x 4,
    rounded down and capped at 4, so beating every peer gives 1.
    """
    if ours is None or not peers:
        return None
    if direction == "higher":
        better = sum(1 for value in peers if value > ours)
    else:
        better = sum(1 for value in peers if value < ours)
    return min(4, better * 4 // len(peers) + 1)


def save_benchmark(*, benchmark: Benchmark, actor, request=None) -> Benchmark:
    """Validate and save one benchmark value, audited."""
    benchmark.value = validate_value(benchmark.definition.unit, benchmark.value)
    benchmark.entered_by = actor
    benchmark.full_clean()
    benchmark.save()
    audit.record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=benchmark,
        changes=audit.snapshot(benchmark, ["peer", "value", "period_start"]),
        request=request,
    )
    return benchmark
