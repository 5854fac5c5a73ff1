"""The calculator interface and the aggregate-query pattern most KPIs follow.

A calculator turns the rows of another app into one ``Result`` per scope for
a period. It works by database aggregation: one grouped query per scope kind
(a few for KPIs with two sources), never by loading the rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, QuerySet

from kpis.choices import SERVICE_SCOPE_ID, Direction, ScopeKind, Unit
from kpis.periods import Period

# Shown when no app stores a KPI's source rows yet.
NO_SOURCE_REASON = "no data: source not recorded yet"


@dataclass(frozen=True)
class Result:
    """One KPI value with the figures it came from, or the reason it is missing."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    missing_reason: str = ""
    scope_label: str = ""


def as_decimal(number) -> Decimal:
    """Return ``number`` (an int, Decimal or None from an aggregate) as a Decimal."""
    return Decimal(number or 0)


def rounded(number: Decimal, places: str = "0.1") -> Decimal:
    return number.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def percentage(numerator, denominator, *, empty_reason: str) -> Result:
    """Return numerator / denominator x 100, or a missing value when nothing counts."""
    top, bottom = as_decimal(numerator), as_decimal(denominator)
    if bottom == 0:
        return Result(None, top, bottom, empty_reason)
    return Result(rounded(top * 100 / bottom), top, bottom)


def count(number) -> Result:
    """Return a count, which is zero, not missing, in an empty period."""
    total = as_decimal(number)
    return Result(total, total, None)


class Calculator:
    """A named way of computing one KPI from the data of the other apps.

    Subclasses set the class attributes and implement ``compute`` and
    ``rows``. The class docstring states the formula and is shown to staff.
    """

    code: str = ""
    name: str = ""
    unit: str = Unit.PERCENT
    direction: str = Direction.HIGHER
    scope_kinds: tuple[str, ...] = (ScopeKind.SERVICE,)
    # (field path, column heading) of each column of the traceable rows.
    row_columns: tuple[tuple[str, str], ...] = ()
    numerator_label = "Numerator"
    denominator_label = "Denominator"

    @property
    def formula(self) -> str:
        return " ".join((self.__doc__ or "").split())

    def compute(self, period: Period, scope_kind: str) -> dict[int, Result]:
        """Return ``{scope id: Result}`` for every scope of ``scope_kind``."""
        raise NotImplementedError

    def rows(self, period: Period, scope_kind: str, scope_id: int) -> QuerySet | None:
        """Return the source rows behind one value, or None if there are none."""
        raise NotImplementedError


class AggregateCalculator(Calculator):
    """A KPI worked out by aggregating one queryset per period.

    ``scope_paths`` maps each scope kind but the service to the lookup of
    the scope's id on a source row, and ``label_paths`` to its name.
    ``aggregates`` returns the named aggregate expressions and ``finish``
    turns their values into a ``Result``.
    """

    scope_paths: dict[str, str] = {}
    label_paths: dict[str, str] = {}

    @property
    def scope_kinds(self):
        return (ScopeKind.SERVICE, *self.scope_paths)

    def source(self, period: Period) -> QuerySet:
        raise NotImplementedError

    def aggregates(self, period: Period) -> dict:
        raise NotImplementedError

    def finish(self, period: Period, values: dict) -> Result:
        raise NotImplementedError

    def compute(self, period, scope_kind):
        if scope_kind == ScopeKind.SERVICE:
            values = self.source(period).aggregate(**self.aggregates(period))
            return {SERVICE_SCOPE_ID: self.finish(period, values)}
        if scope_kind not in self.scope_paths:
            return {}
        path = self.scope_paths[scope_kind]
        grouped = (
            self.source(period)
            .filter(**{f"{path}__isnull": False})
            .order_by()
            .values(scope_id=F(path), scope_label=F(self.label_paths[scope_kind]))
            .annotate(**self.aggregates(period))
        )
        results = {}
        for values in grouped:
            result = self.finish(period, values)
            results[values["scope_id"]] = Result(
                result.value,
                result.numerator,
                result.denominator,
                result.missing_reason,
                str(values["scope_label"]),
            )
        return results

    def rows(self, period, scope_kind, scope_id):
        rows = self.source(period)
        if scope_kind != ScopeKind.SERVICE:
            rows = rows.filter(**{self.scope_paths[scope_kind]: scope_id})
        return rows


class NoSourceCalculator(Calculator):
    """A KPI whose source rows no app records yet: every value is missing."""

    def compute(self, period, scope_kind):
        return {SERVICE_SCOPE_ID: Result(None, None, None, NO_SOURCE_REASON)}

    def rows(self, period, scope_kind, scope_id):
        return None
