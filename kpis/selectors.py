"""Reads of stored KPI records for the dashboards.

Every function here makes a fixed number of queries, whatever the number of
time entries or responses behind the records, because dashboards read the
records the rollup stored and never the source rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from .choices import SERVICE_SCOPE_ID, ScopeKind, Status
from .models import Benchmark, KpiDefinition, KpiRecord
from .periods import Period
from .services import quartile_position

TREND_LENGTH = 12
NOT_COMPUTED_REASON = "Not computed yet for this period."


@dataclass
class Tile:
    """One KPI as a dashboard shows it: the chosen period's value and its trend."""

    definition: KpiDefinition
    record: KpiRecord | None
    periods: list[Period]
    trend: list[Decimal | None]
    status: str = Status.NONE

    @property
    def value(self):
        return self.record.value if self.record else None

    @property
    def missing_reason(self) -> str:
        if self.record is None:
            return NOT_COMPUTED_REASON
        return self.record.missing_reason

    def chart_data(self) -> dict:
        return {
            "labels": [period.short_label for period in self.periods],
            "values": [_number(value) for value in self.trend],
            "target": _number(self.definition.target),
            "name": self.definition.name,
        }


@dataclass
class AimGroup:
    label: str
    tiles: list[Tile] = field(default_factory=list)


def _number(value):
    return None if value is None else float(value)


def _records_by_key(definitions, periods, scope_kind, scope_id):
    records = KpiRecord.objects.filter(
        definition__in=definitions,
        period_kind=periods[-1].kind,
        period_start__in=[period.start for period in periods],
        scope_kind=scope_kind,
        scope_id=scope_id,
    )
    return {(record.definition_id, record.period_start): record for record in records}


def build_tiles(
    definitions, *, period: Period, scope_kind: str, scope_id: int
) -> list[Tile]:
    """Return one tile per definition for ``period`` with its trend, in one query."""
    periods = period.recent(TREND_LENGTH)
    records = _records_by_key(definitions, periods, scope_kind, scope_id)
    tiles = []
    for definition in definitions:
        trend_records = [records.get((definition.pk, p.start)) for p in periods]
        record = trend_records[-1]
        tile = Tile(
            definition=definition,
            record=record,
            periods=periods,
            trend=[r.value if r else None for r in trend_records],
        )
        tile.status = definition.status_of(tile.value)
        tiles.append(tile)
    return tiles


def active_definitions():
    return list(
        KpiDefinition.objects.filter(active=True).select_related("aim", "owner")
    )


def overview(
    *,
    period: Period,
    scope_kind: str = ScopeKind.SERVICE,
    scope_id: int = SERVICE_SCOPE_ID,
) -> list[AimGroup]:
    """Return the tiles of every active KPI grouped by authority aim, in two queries."""
    definitions = active_definitions()
    groups: dict[str, AimGroup] = {}
    for tile in build_tiles(
        definitions, period=period, scope_kind=scope_kind, scope_id=scope_id
    ):
        aim = tile.definition.aim
        label = str(aim) if aim else "Not linked to an authority aim"
        groups.setdefault(label, AimGroup(label)).tiles.append(tile)
    # Aims come first in code order, and unlinked KPIs last.
    return sorted(groups.values(), key=lambda g: (g.label.startswith("Not "), g.label))


@dataclass
class BenchmarkSummary:
    peers: list[Benchmark]
    median: Decimal | None
    quartile: int | None


def benchmarks_for(definition, periods, ours_by_start) -> dict:
    """Return ``{period start: BenchmarkSummary}`` for ``periods``, in one query."""
    by_start: dict = {}
    for benchmark in Benchmark.objects.filter(
        definition=definition,
        period_kind=periods[-1].kind,
        period_start__in=[period.start for period in periods],
    ).order_by("peer"):
        by_start.setdefault(benchmark.period_start, []).append(benchmark)
    summaries = {}
    for start, peers in by_start.items():
        values = [peer.value for peer in peers]
        summaries[start] = BenchmarkSummary(
            peers=peers,
            median=Decimal(median(values)),
            quartile=quartile_position(
                ours_by_start.get(start), values, definition.direction
            ),
        )
    return summaries


def breakdown(definition, period: Period) -> dict[str, list[KpiRecord]]:
    """Return the period's team and client records of a KPI, by scope kind."""
    records = KpiRecord.objects.filter(
        definition=definition,
        period_kind=period.kind,
        period_start=period.start,
        scope_kind__in=[ScopeKind.TEAM, ScopeKind.CLIENT],
    ).order_by("scope_kind", "scope_label")
    grouped = {ScopeKind.TEAM: [], ScopeKind.CLIENT: []}
    for record in records:
        grouped[record.scope_kind].append(record)
    return grouped
