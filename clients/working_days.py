"""Working days: Monday to Friday, less England and Wales bank holidays.

The bank holidays come from the ``holidays`` package, subdivision ``ENG`` of
``GB``. England and Wales share one list of bank holidays (the tests check
that ``ENG`` and ``WLS`` agree), and the package has no code for the two
together. Substitute days, such as 28 December 2026 for Boxing Day on a
Saturday, and one-off holidays such as a coronation, are included.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

COUNTRY = "GB"
SUBDIVISION = "ENG"


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """Return the England and Wales bank holidays of ``year``."""
    return frozenset(
        holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year).keys()
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """Return the date ``count`` working days after ``start``.

    ``start`` itself never counts, so a promise of 2 working days on an
    instruction received on a Friday falls due on the Tuesday. With
    ``count`` 0 the result is ``start`` if it is a working day, or else the
    next working day.
    """
    if count < 0:
        raise ValueError(f"count must be zero or more, not {count}")
    day = start
    if count == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Count the working days after ``start`` up to and including ``end``.

    Negative when ``end`` is before ``start``, so that
    ``working_days_between(a, add_working_days(a, n)) == n``.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
