"""Calculators over staff start and leave dates."""

from django.db.models import Count, Q

from accounts.models import StaffProfile
from kpis.choices import Direction, ScopeKind, Unit

from . import register
from .base import AggregateCalculator, percentage

_STAFF_COLUMNS = (
    ("user__full_name", "Staff"),
    ("team__name", "Team"),
    ("start_date", "Start date"),
    ("leave_date", "Leave date"),
)


def _in_post_on_first_day(period) -> Q:
    started = Q(start_date__isnull=True) | Q(start_date__lte=period.start)
    not_left = Q(leave_date__isnull=True) | Q(leave_date__gte=period.start)
    return started & not_left


def _left_in(period) -> Q:
    return Q(leave_date__gte=period.start, leave_date__lt=period.end)


class _StaffCalculator(AggregateCalculator):
    scope_paths = {ScopeKind.TEAM: "team"}
    label_paths = {ScopeKind.TEAM: "team__name"}
    row_columns = _STAFF_COLUMNS
    denominator_label = "Staff in post on the first day"

    def source(self, period):
        return StaffProfile.objects.filter(
            _in_post_on_first_day(period) | _left_in(period)
        )


@register
class StaffTurnover(_StaffCalculator):
    """Staff whose leave date falls in the period / staff in post on the
    period's first day x 100."""

    code = "staff_turnover"
    name = "Staff turnover"
    direction = Direction.LOWER
    unit = Unit.PERCENT
    numerator_label = "Leavers"

    def aggregates(self, period):
        return {
            "leavers": Count("pk", filter=_left_in(period)),
            "in_post": Count("pk", filter=_in_post_on_first_day(period)),
        }

    def finish(self, period, values):
        return percentage(
            values["leavers"],
            values["in_post"],
            empty_reason="Nobody was in post on the first day of this period.",
        )


@register
class StaffRetention(_StaffCalculator):
    """Staff in post on the period's first day who are still in post on its
    last day / staff in post on the first day x 100."""

    code = "staff_retention"
    name = "Staff retention"
    unit = Unit.PERCENT
    numerator_label = "Staff retained"

    def aggregates(self, period):
        stayed = Q(leave_date__isnull=True) | Q(leave_date__gte=period.end)
        in_post = _in_post_on_first_day(period)
        return {
            "stayed": Count("pk", filter=in_post & stayed),
            "in_post": Count("pk", filter=in_post),
        }

    def finish(self, period, values):
        return percentage(
            values["stayed"],
            values["in_post"],
            empty_reason="Nobody was in post on the first day of this period.",
        )
