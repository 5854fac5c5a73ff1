"""Reporting periods: calendar months, financial quarters and UK financial years.

Every period is a run of whole days in Europe/London. A UK financial year
runs from 1 April to 31 March, and its quarters start on 1 April, 1 July,
1 October and 1 January. A moment belongs to the period that contains its
local date, so a time entry at 00:30 on 1 July British Summer Time
(23:30 UTC on 30 June) belongs to July.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models

LONDON = ZoneInfo("Europe/London")


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    FINANCIAL_YEAR = "financial_year", "Financial year"


# Months in one period of each kind.
MONTHS_IN = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.FINANCIAL_YEAR: 12,
}


def _add_months(day: dt.date, months: int) -> dt.date:
    """Return the first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _start_of(kind: str, day: dt.date) -> dt.date:
    if kind == PeriodKind.MONTH:
        return day.replace(day=1)
    if kind == PeriodKind.QUARTER:
        # Quarters of the financial year start in April, July, October, January.
        month = ((day.month - 1) // 3) * 3 + 1
        return dt.date(day.year, month, 1)
    if kind == PeriodKind.FINANCIAL_YEAR:
        year = day.year if day.month >= 4 else day.year - 1
        return dt.date(year, 4, 1)
    raise ValueError(f"Unknown period kind {kind!r}. Use one of {PeriodKind.values}.")


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    """Return the Europe/London date of an aware datetime, or a date unchanged."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError(
                "Pass an aware datetime, because naive times are ambiguous."
            )
        return moment.astimezone(LONDON).date()
    return moment


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its kind and the first day in it."""

    kind: str
    start: dt.date

    def __post_init__(self):
        if _start_of(self.kind, self.start) != self.start:
            raise ValueError(
                f"{self.start} does not start a {self.kind} period. Use "
                "Period.containing() to find the period of a day."
            )

    @classmethod
    def containing(cls, kind: str, moment: dt.datetime | dt.date) -> Period:
        """Return the period of ``kind`` that contains ``moment`` in London."""
        return cls(kind, _start_of(kind, local_date(moment)))

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return _add_months(self.start, MONTHS_IN[self.kind])

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self) -> dt.datetime:
        """Midnight in London at the start of the period, as an aware datetime."""
        return dt.datetime.combine(self.start, dt.time(), tzinfo=LONDON)

    @property
    def end_at(self) -> dt.datetime:
        """Midnight in London after the period, exclusive."""
        return dt.datetime.combine(self.end, dt.time(), tzinfo=LONDON)

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return self.start.strftime("%B %Y")
        year_start = _start_of(PeriodKind.FINANCIAL_YEAR, self.start)
        year_label = f"{year_start.year}/{(year_start.year + 1) % 100:02d}"
        if self.kind == PeriodKind.QUARTER:
            number = (self.start.month - 4) % 12 // 3 + 1
            return f"Q{number} {year_label}"
        return year_label

    @property
    def short_label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return self.start.strftime("%b %Y")
        return self.label

    def contains(self, moment: dt.datetime | dt.date) -> bool:
        return self.start <= local_date(moment) < self.end

    def shifted(self, steps: int) -> Period:
        """Return the period ``steps`` periods later (earlier when negative)."""
        return Period(self.kind, _add_months(self.start, steps * self.months))

    def previous(self) -> Period:
        return self.shifted(-1)

    def recent(self, count: int) -> list[Period]:
        """Return ``count`` periods ending with this one, oldest first."""
        return [self.shifted(step) for step in range(1 - count, 1)]

    def month_starts(self) -> list[dt.date]:
        """Return the first day of each calendar month in the period."""
        return [_add_months(self.start, step) for step in range(self.months)]
