"""Working days: weekends and England and Wales bank holidays are skipped."""

import datetime as dt

import holidays
import pytest

from clients.working_days import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Weekends: Friday plus 2 working days is Tuesday.
        (D(2026, 3, 6), 2, D(2026, 3, 10)),
        (D(2026, 3, 7), 1, D(2026, 3, 9)),
        # Christmas 2025: Christmas Day and Boxing Day on Thursday and Friday.
        (D(2025, 12, 23), 2, D(2025, 12, 29)),
        (D(2025, 12, 24), 1, D(2025, 12, 29)),
        # Christmas 2026: Boxing Day on a Saturday, so Monday 28th is a holiday.
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (D(2026, 4, 2), 1, D(2026, 4, 7)),
        (D(2026, 4, 2), 2, D(2026, 4, 8)),
        # Late May bank holiday 2026: Monday 25 May.
        (D(2026, 5, 22), 1, D(2026, 5, 26)),
        # Across a year end and New Year's Day.
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        # Ten working days across Easter.
        (D(2026, 3, 30), 10, D(2026, 4, 15)),
    ],
)
def test_add_working_days_skips_holidays(start, count, expected):
    assert add_working_days(start, count) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 25), False),
        (D(2026, 12, 28), False),
        (D(2026, 4, 3), False),
        (D(2026, 4, 6), False),
        (D(2026, 5, 25), False),
        (D(2026, 5, 4), False),
        (D(2026, 8, 31), False),
        (D(2026, 3, 14), False),
        (D(2026, 5, 26), True),
        (D(2026, 12, 29), True),
    ],
)
def test_is_working_day_cases(day, expected):
    assert is_working_day(day) is expected


def test_zero_days_moves_to_working_day():
    assert add_working_days(D(2026, 4, 3), 0) == D(2026, 4, 7)
    assert add_working_days(D(2026, 4, 7), 0) == D(2026, 4, 7)


def test_negative_count_rejected():
    with pytest.raises(ValueError, match="zero or more"):
        add_working_days(D(2026, 4, 7), -1)


@pytest.mark.parametrize("count", [0, 1, 2, 5, 10, 40])
def test_between_undoes_add(count):
    start = D(2026, 12, 18)

    assert working_days_between(start, add_working_days(start, count)) == count


def test_between_is_negative_backwards():
    assert working_days_between(D(2026, 3, 10), D(2026, 3, 6)) == -2


def test_england_and_wales_share_holidays():
    years = range(2020, 2031)
    england = set(holidays.country_holidays("GB", subdiv="ENG", years=years))
    wales = set(holidays.country_holidays("GB", subdiv="WLS", years=years))

    assert england == wales


def test_scottish_holiday_not_included():
    # 2 January is a bank holiday in Scotland only.
    assert D(2026, 1, 2) not in bank_holidays(2026)
    assert is_working_day(D(2026, 1, 2))
