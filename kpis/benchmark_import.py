"""Import of peer benchmark values from a CSV file.

Each row is checked on its own. With ``all_or_nothing`` one bad row stops
the whole import; otherwise the valid rows are saved and the bad ones
reported. A row for a peer, KPI and period already held replaces its value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.models import AuditEvent

from .models import Benchmark, KpiDefinition
from .periods import Period, PeriodKind
from .services import validate_value

COLUMNS = ("kpi_code", "period_kind", "period_start", "peer", "value", "source")


@dataclass
class ImportReport:
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_benchmarks(*, data: bytes, all_or_nothing: bool, actor, request=None):
    """Check every row of a benchmark CSV and save the valid ones."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((1, "The file is not UTF-8 text. Save it as CSV UTF-8."))
        return report
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, f"Missing columns: {', '.join(missing)}."))
        return report

    definitions = {d.code: d for d in KpiDefinition.objects.all()}
    valid = []
    for line, row in enumerate(reader, start=2):
        try:
            valid.append(_parse_row(row, definitions))
        except ValidationError as error:
            report.errors.append((line, " ".join(error.messages)))
    if report.errors and all_or_nothing:
        return report

    with transaction.atomic():
        Benchmark.objects.bulk_create(
            [
                Benchmark(entered_by=actor if actor.is_authenticated else None, **row)
                for row in valid
            ],
            update_conflicts=True,
            unique_fields=["definition", "period_kind", "period_start", "peer"],
            update_fields=["value", "source", "entered_by"],
        )
        audit.record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            changes={"benchmarks imported": len(valid)},
            request=request,
        )
    report.saved = len(valid)
    return report


def _parse_row(row: dict, definitions: dict) -> dict:
    code = (row.get("kpi_code") or "").strip()
    definition = definitions.get(code)
    if definition is None:
        raise ValidationError(f'kpi_code: no KPI has the code "{code}".')
    kind = (row.get("period_kind") or "").strip()
    if kind not in PeriodKind.values:
        raise ValidationError(
            f'period_kind: use one of {", ".join(PeriodKind.values)}, not "{kind}".'
        )
    try:
        day = dt.date.fromisoformat((row.get("period_start") or "").strip())
    except ValueError:
        raise ValidationError("period_start: enter a date as YYYY-MM-DD.") from None
    peer = (row.get("peer") or "").strip()
    if not peer or len(peer) > 150:
        raise ValidationError(
            "peer: enter the peer service's name, at most 150 characters."
        )
    try:
        value = validate_value(definition.unit, row.get("value") or "")
    except ValidationError as error:
        raise ValidationError(f"value: {' '.join(error.messages)}") from None
    return {
        "definition": definition,
        "period_kind": kind,
        "period_start": Period.containing(kind, day).start,
        "peer": peer,
        "value": value,
        "source": (row.get("source") or "").strip()[:200],
    }
