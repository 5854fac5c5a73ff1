"""Parsers for cell values as a case management system or Excel writes them.

Each raises ``ValueError`` with a message for the person importing, saying
what is wrong with the value and what to enter instead.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from clients.money import parse_money

UK_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
TRUE_WORDS = {"yes", "y", "true", "1", "chargeable"}
FALSE_WORDS = {"no", "n", "false", "0", "non-chargeable", "not chargeable"}


def text(value) -> str:
    """Return the cell as text with its outer and repeated spaces removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def uk_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    cleaned = text(value)
    for pattern in UK_DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        f"“{cleaned}” is not a date. Enter it as day/month/year, such as 31/03/2026."
    )


def pounds(value) -> Decimal:
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    cleaned = text(value)
    try:
        return parse_money(cleaned)
    except ValueError as error:
        raise ValueError(
            f"“{cleaned}” is not an amount in pounds. Enter it as 85.00 or £85.00."
        ) from error


def whole_number(value, *, unit: str) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"“{value}” is not a whole number of {unit}.")
        return int(value)
    cleaned = text(value).replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"“{cleaned}” is not a number of {unit}.") from error
    if number != number.to_integral_value():
        raise ValueError(f"“{cleaned}” is not a whole number of {unit}.")
    return int(number)


def hours_as_minutes(value) -> int:
    if isinstance(value, int | float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(text(value))
        except InvalidOperation as error:
            raise ValueError(f"“{text(value)}” is not a number of hours.") from error
    minutes = number * 60
    if minutes != minutes.to_integral_value():
        raise ValueError(
            f"{text(value)} hours is not a whole number of minutes. Use a "
            "minutes column instead."
        )
    return int(minutes)


def yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    cleaned = text(value).casefold()
    if cleaned in TRUE_WORDS:
        return True
    if cleaned in FALSE_WORDS:
        return False
    raise ValueError(f"“{text(value)}” is not yes or no.")


def choice(value, choices, *, aliases=None) -> str:
    """Return the stored value of a choice named by its value, label or an alias."""
    cleaned = text(value).casefold()
    for stored, label in choices:
        if cleaned in (str(stored).casefold(), str(label).casefold()):
            return stored
    if aliases and cleaned in aliases:
        return aliases[cleaned]
    options = ", ".join(str(label) for _stored, label in choices)
    raise ValueError(f"“{text(value)}” is not one of: {options}.")
