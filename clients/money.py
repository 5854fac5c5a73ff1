"""Money arithmetic for time and recharges.

The one rounding rule: a line's amount is minutes / 60 x hourly rate, rounded
half up to the penny, and every total is the sum of the rounded lines shown.
So two 15-minute lines at £27.50 an hour are £6.88 each and £13.76 together,
not the £13.75 that 30 minutes would come to.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
MINUTES_PER_HOUR = Decimal(60)

_MONEY_TEXT = re.compile(r"^(?P<sign>-?)\s*£?\s*(?P<number>[0-9][0-9,]*(\.[0-9]+)?)$")


def line_amount(minutes: int, hourly_rate: Decimal) -> Decimal:
    """Return the value of ``minutes`` at ``hourly_rate``, rounded half up."""
    if not isinstance(hourly_rate, Decimal):
        raise TypeError(f"hourly_rate must be a Decimal, not {type(hourly_rate)}")
    exact = Decimal(minutes) * hourly_rate / MINUTES_PER_HOUR
    return exact.quantize(PENNY, rounding=ROUND_HALF_UP)


def sum_amounts(amounts) -> Decimal:
    """Add up rounded line amounts; an empty total is £0.00."""
    return sum(amounts, Decimal("0.00"))


def parse_money(text: str) -> Decimal:
    """Parse an amount such as ``£1,250.50``, ``1250.5`` or ``£85``.

    Raises ``ValueError`` for text that is not an amount in pounds, and for
    an amount with fractions of a penny.
    """
    cleaned = text.strip().replace("\u00a0", " ")
    match = _MONEY_TEXT.match(cleaned)
    if not match:
        raise ValueError(f"{text!r} is not an amount in pounds")
    number = match["number"]
    if "," in number and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?", number):
        raise ValueError(f"{text!r} has its thousands separators in the wrong place")
    try:
        amount = Decimal(number.replace(",", ""))
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount in pounds") from error
    if amount != amount.quantize(PENNY):
        raise ValueError(f"{text!r} has fractions of a penny")
    return -amount if match["sign"] else amount


def format_pounds(amount: Decimal) -> str:
    """Format an amount as ``£1,234.50``, with a minus sign before the pound."""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
