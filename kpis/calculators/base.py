"""The calculator interface and the aggregate-query pattern most KPIs follow.

A calculator turns the rows of another app into one ``Result`` per scope for
a period. It works by database aggregation: one grouped query per scope kind
(a few for KPIs with two sources), never by loading the rows into Python.
When several periods are computed at once, a KPI made of plain sums and
counts over dated rows is grouped by calendar month in one query per scope
kind, and each period adds up its months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateTimeField, F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from kpis.choices import SERVICE_SCOPE_ID, Direction, ScopeKind, Unit
from kpis.periods import LONDON, Period, local_date

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


@dataclass(frozen=True)
class Span:
    """Whole London days from ``start`` up to ``end``, exclusive.

    It has the attributes of a ``Period`` that ``source`` methods read, so
    that one query can cover several periods.
    """

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=LONDON)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=LONDON)


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

    def compute_periods(
        self, periods: Sequence[Period], scope_kind: str
    ) -> dict[Period, dict[int, Result]]:
        """Return ``{period: {scope id: Result}}``, as ``compute`` gives per period."""
        return {period: self.compute(period, scope_kind) for period in periods}

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
    # The date or time on a source row that puts it in a period. Set it only
    # when ``source`` keeps the rows whose date is in the period and no
    # others, so that months can be added up into longer periods.
    date_path: str = ""

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

    def compute_periods(self, periods, scope_kind):
        if len(periods) < 2 or not self.date_path:
            return super().compute_periods(periods, scope_kind)
        span = Span(min(p.start for p in periods), max(p.end for p in periods))
        aggregates = self.aggregates(span)
        distinct = _distinct_fields(aggregates)
        if distinct is None:
            return super().compute_periods(periods, scope_kind)
        if scope_kind != ScopeKind.SERVICE and scope_kind not in self.scope_paths:
            return {period: {} for period in periods}

        rows = self.source(span).order_by()
        keys = {"in_month": _month_expression(rows.model, self.date_path)}
        if scope_kind != ScopeKind.SERVICE:
            path = self.scope_paths[scope_kind]
            rows = rows.filter(**{f"{path}__isnull": False})
            keys["scope_id"] = F(path)
            keys["scope_label"] = F(self.label_paths[scope_kind])
        # A distinct count is not a sum of monthly counts, so the rows are
        # also grouped by the counted field, and its values counted here.
        keys.update({f"distinct_{name}": F(field) for name, field in distinct.items()})
        summed = {name: agg for name, agg in aggregates.items() if name not in distinct}
        months = defaultdict(lambda: defaultdict(list))
        for values in rows.values(**keys).annotate(**summed):
            scope = values.get("scope_id", SERVICE_SCOPE_ID)
            months[scope][_month_of(values["in_month"])].append(values)

        results = {}
        for period in periods:
            starts = period.month_starts()
            in_period = {}
            for scope, by_month in months.items():
                chosen = [values for day in starts for values in by_month.get(day, ())]
                if chosen:
                    in_period[scope] = self._finish_months(
                        period, chosen, summed, distinct
                    )
            if scope_kind == ScopeKind.SERVICE and not in_period:
                empty = {name: _empty_value(agg) for name, agg in aggregates.items()}
                in_period[SERVICE_SCOPE_ID] = self.finish(period, empty)
            results[period] = in_period
        return results

    def _finish_months(self, period, months, summed, distinct) -> Result:
        totals = {}
        for name in summed:
            numbers = [values[name] for values in months if values[name] is not None]
            totals[name] = sum(numbers) if numbers else None
        for name in distinct:
            key = f"distinct_{name}"
            totals[name] = len({v[key] for v in months if v[key] is not None})
        result = self.finish(period, totals)
        label = months[0].get("scope_label")
        if label is None:
            return result
        return Result(
            result.value,
            result.numerator,
            result.denominator,
            result.missing_reason,
            str(label),
        )

    def rows(self, period, scope_kind, scope_id):
        rows = self.source(period)
        if scope_kind != ScopeKind.SERVICE:
            rows = rows.filter(**{self.scope_paths[scope_kind]: scope_id})
        return rows


def _distinct_fields(aggregates: dict) -> dict[str, str] | None:
    """Return ``{name: field}`` of the distinct counts, or None if months cannot add up.

    Sums and plain counts add up over months. A distinct count of one field,
    with no filter, can be worked out from rows grouped by that field too.
    Anything else is computed a period at a time.
    """
    distinct = {}
    for name, aggregate in aggregates.items():
        if not isinstance(aggregate, Sum | Count):
            return None
        if aggregate.distinct:
            counted = aggregate.source_expressions
            plain = len(counted) == 1 and isinstance(counted[0], F)
            if aggregate.filter is not None or not plain:
                return None
            distinct[name] = counted[0].name
    return distinct


def _empty_value(aggregate):
    # What the aggregate gives over no rows: counts are zero, sums are NULL.
    return 0 if isinstance(aggregate, Count) else None


def monthly_totals(rows: QuerySet, date_path: str, keys: tuple[str, ...], total):
    """Return ``{key values: {first of month: total}}`` from one grouped query."""
    grouped = (
        rows.order_by()
        .values(*keys, in_month=_month_expression(rows.model, date_path))
        .annotate(total=total)
    )
    totals = defaultdict(dict)
    for values in grouped:
        key = tuple(values[name] for name in keys)
        totals[key][_month_of(values["in_month"])] = values["total"]
    return totals


def total_in(period: Period, by_month: dict):
    """Add up the monthly totals of ``period``, or return None if it has none."""
    numbers = [by_month[day] for day in period.month_starts() if day in by_month]
    numbers = [number for number in numbers if number is not None]
    return sum(numbers) if numbers else None


def _month_expression(model, path: str) -> TruncMonth:
    """Return the first day of the London month of the date or time at ``path``."""
    for name in path.split("__"):
        field = model._meta.get_field(name)
        model = field.related_model
    if isinstance(field, DateTimeField):
        return TruncMonth(path, tzinfo=LONDON)
    return TruncMonth(path)


def _month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = local_date(value) if value.tzinfo else value.date()
    return value


class NoSourceCalculator(Calculator):
    """A KPI whose source rows no app records yet: every value is missing."""

    def compute(self, period, scope_kind):
        return {SERVICE_SCOPE_ID: Result(None, None, None, NO_SOURCE_REASON)}

    def rows(self, period, scope_kind, scope_id):
        return None
