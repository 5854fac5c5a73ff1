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
from django.db import transaction
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


def recent_periods(today: date) -> list[Period]:
    """Return the current and previous period of every period kind."""
    periods = []
    for kind in PeriodKind.values:
        current = Period.containing(kind, today)
        periods += [current.previous(), current]
    return periods


def rollup(*, periods: Iterable[Period], codes: Iterable[str] | None = None) -> int:
    """Compute every calculated KPI for ``periods`` and return the records written."""
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
        for period in periods:
            written += _rollup_one(definition, calculator, period)
    logger.info(
        "KPI rollup wrote %d records in %.1f s", written, time.monotonic() - started
    )
    return written


def rollup_recent(*, today: date) -> int:
    """Compute the current and previous periods: the nightly job."""
    return rollup(periods=recent_periods(today))


def _rollup_one(definition, calculator, period) -> int:
    now = timezone.now()
    written = 0
    for scope_kind in calculator.scope_kinds:
        results = calculator.compute(period, scope_kind)
        records = [
            KpiRecord(
                definition=definition,
                period_kind=period.kind,
                period_start=period.start,
                scope_kind=scope_kind,
                scope_id=scope_id,
                scope_label=result.scope_label,
                value=result.value,
                numerator=result.numerator,
                denominator=result.denominator,
                missing_reason=result.missing_reason,
                computed_at=now,
            )
            for scope_id, result in results.items()
        ]
        with transaction.atomic():
            KpiRecord.objects.bulk_create(
                records,
                update_conflicts=True,
                unique_fields=RECORD_KEY,
                update_fields=RECORD_VALUES,
            )
            # Scopes that have no source rows left lose their old record.
            KpiRecord.objects.filter(
                definition=definition,
                period_kind=period.kind,
                period_start=period.start,
                scope_kind=scope_kind,
                is_manual=False,
            ).exclude(scope_id__in=list(results)).delete()
        written += len(records)
    return written


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
