"""Template filters for matters, time and money."""

from decimal import Decimal

from django import template

from clients.models import Matter
from clients.money import format_pounds

register = template.Library()

PROMISE_BADGES = {
    Matter.PromiseState.NONE: "text-bg-light border",
    Matter.PromiseState.ON_TRACK: "text-bg-info",
    Matter.PromiseState.AT_RISK: "text-bg-warning",
    Matter.PromiseState.MET: "text-bg-success",
    Matter.PromiseState.MISSED: "text-bg-danger",
}


@register.filter
def pounds(amount):
    """Format a Decimal as pounds and pence, such as £1,234.50."""
    if amount in (None, ""):
        return format_pounds(Decimal("0.00"))
    return format_pounds(Decimal(amount))


@register.filter
def hours_minutes(minutes):
    """Format whole minutes as hours and minutes, such as 1 h 30 min."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"


@register.filter
def promise_label(state):
    return Matter.PromiseState(state).label


@register.filter
def promise_badge(state):
    return PROMISE_BADGES[Matter.PromiseState(state)]


MATTERS_SECTION_ROUTES = ("matters/", "time/", "timesheet/", "recharges/", "imports/")


@register.filter
def in_matters_section(request):
    """Tell whether the request is for a matters, time, recharge or import page."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "clients":
        return False
    return match.route.removeprefix("clients/").startswith(MATTERS_SECTION_ROUTES)
