"""Template filters that format KPI values in their unit."""

from decimal import Decimal

from django import template

from kpis.choices import Unit

register = template.Library()


def format_value(value, unit: str) -> str:
    """Return ``value`` as staff read it in ``unit``, or an en dash if missing."""
    if value is None or value == "":
        return "–"
    number = Decimal(value)
    if unit == Unit.PERCENT:
        return f"{number:.1f}%"
    if unit == Unit.MONEY:
        return f"£{number:,.2f}"
    if unit == Unit.HOURS:
        return f"{number:,.2f} h"
    if unit == Unit.SCORE:
        return f"{number:+.1f}"
    return (
        f"{number.normalize():,f}" if number == number.to_integral() else f"{number:,}"
    )


@register.filter
def kpi_value(value, unit):
    return format_value(value, unit)


@register.filter
def plain_number(value):
    """Return a numerator or denominator without trailing zeros."""
    if value is None:
        return "–"
    number = Decimal(value).normalize()
    return f"{number:,f}"
