"""Reporting periods in Europe/London, at month, quarter and year boundaries."""

import datetime as dt

import pytest

from kpis.periods import LONDON, Period, PeriodKind

UTC = dt.UTC

MONTH = PeriodKind.MONTH
QUARTER = PeriodKind.QUARTER
YEAR = PeriodKind.FINANCIAL_YEAR


@pytest.mark.parametrize(
    ("kind", "moment", "start"),
    [
        # 00:30 on 1 July BST is 23:30 UTC on 30 June: it belongs to July.
        (MONTH, dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
        (QUARTER, dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
        # 23:30 on 30 June BST stays in June.
        (MONTH, dt.datetime(2026, 6, 30, 22, 30, tzinfo=UTC), dt.date(2026, 6, 1)),
        # In winter London is on UTC, so midnight UTC is local midnight.
        (MONTH, dt.datetime(2026, 1, 1, 0, 0, tzinfo=UTC), dt.date(2026, 1, 1)),
        (MONTH, dt.datetime(2025, 12, 31, 23, 59, tzinfo=UTC), dt.date(2025, 12, 1)),
        # 31 March and 1 April fall in different quarters and financial years.
        (QUARTER, dt.date(2026, 3, 31), dt.date(2026, 1, 1)),
        (QUARTER, dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
        (YEAR, dt.date(2026, 3, 31), dt.date(2025, 4, 1)),
        (YEAR, dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
        # 00:15 on 1 April BST (the clocks went forward on 29 March 2026).
        (YEAR, dt.datetime(2026, 3, 31, 23, 15, tzinfo=UTC), dt.date(2026, 4, 1)),
        # Calendar year boundary: a quarter and a financial year run across it.
        (QUARTER, dt.date(2025, 12, 31), dt.date(2025, 10, 1)),
        (QUARTER, dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
        (YEAR, dt.date(2025, 12, 31), dt.date(2025, 4, 1)),
        (YEAR, dt.date(2026, 1, 1), dt.date(2025, 4, 1)),
    ],
)
def test_period_containing_moment(kind, moment, start):
    assert Period.containing(kind, moment).start == start


@pytest.mark.parametrize(
    ("period", "label", "end"),
    [
        (Period(MONTH, dt.date(2026, 7, 1)), "July 2026", dt.date(2026, 8, 1)),
        (Period(MONTH, dt.date(2025, 12, 1)), "December 2025", dt.date(2026, 1, 1)),
        (Period(QUARTER, dt.date(2026, 4, 1)), "Q1 2026/27", dt.date(2026, 7, 1)),
        (Period(QUARTER, dt.date(2026, 1, 1)), "Q4 2025/26", dt.date(2026, 4, 1)),
        (Period(YEAR, dt.date(2026, 4, 1)), "2026/27", dt.date(2027, 4, 1)),
        (Period(YEAR, dt.date(1999, 4, 1)), "1999/00", dt.date(2000, 4, 1)),
    ],
)
def test_period_label_and_end(period, label, end):
    assert period.label == label
    assert period.end == end


def test_period_bounds_are_london_midnight():
    july = Period(MONTH, dt.date(2026, 7, 1))

    assert july.start_at == dt.datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert july.end_at.astimezone(LONDON).date() == dt.date(2026, 8, 1)


def test_period_bounds_in_winter_are_utc():
    january = Period(MONTH, dt.date(2026, 1, 1))

    assert january.start_at == dt.datetime(2026, 1, 1, tzinfo=UTC)


def test_period_previous_crosses_year():
    assert Period(MONTH, dt.date(2026, 1, 1)).previous() == Period(
        MONTH, dt.date(2025, 12, 1)
    )
    assert Period(QUARTER, dt.date(2026, 1, 1)).previous() == Period(
        QUARTER, dt.date(2025, 10, 1)
    )
    assert Period(YEAR, dt.date(2026, 4, 1)).previous() == Period(
        YEAR, dt.date(2025, 4, 1)
    )


def test_period_recent_lists_oldest_first():
    recent = Period(MONTH, dt.date(2026, 3, 1)).recent(12)

    assert len(recent) == 12
    assert recent[0].start == dt.date(2025, 4, 1)
    assert recent[-1].start == dt.date(2026, 3, 1)


def test_period_rejects_start_mid_period():
    with pytest.raises(ValueError, match="does not start"):
        Period(QUARTER, dt.date(2026, 2, 1))


def test_period_rejects_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        Period.containing(MONTH, dt.datetime(2026, 7, 1, 0, 30))


def test_period_contains_uses_london_date():
    july = Period(MONTH, dt.date(2026, 7, 1))

    assert july.contains(dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert not july.contains(dt.datetime(2026, 6, 30, 22, 59, tzinfo=UTC))


def test_quarter_month_starts():
    quarter = Period(QUARTER, dt.date(2026, 10, 1))

    assert quarter.month_starts() == [
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    ]
