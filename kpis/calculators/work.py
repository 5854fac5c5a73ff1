"""Calculators over matters, time entries, recharges and service costs."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from clients.models import Matter, RechargeLine, TimeEntry
from kpis.choices import SERVICE_SCOPE_ID, Direction, ScopeKind, Unit

from . import register
from .base import (
    AggregateCalculator,
    Calculator,
    Result,
    Span,
    as_decimal,
    monthly_totals,
    percentage,
    rounded,
    total_in,
)

# Time counts towards the team of the person who recorded it.
_TIME_SCOPES = {
    ScopeKind.TEAM: "staff__profile__team",
    ScopeKind.CLIENT: "matter__client",
    ScopeKind.KEY_ACCOUNT: "matter__client__key_account",
}
_TIME_LABELS = {
    ScopeKind.TEAM: "staff__profile__team__name",
    ScopeKind.CLIENT: "matter__client__name",
    ScopeKind.KEY_ACCOUNT: "matter__client__name",
}
_TIME_COLUMNS = (
    ("worked_on", "Date"),
    ("matter__reference", "Matter"),
    ("staff__full_name", "Staff"),
    ("minutes", "Minutes"),
)
# A matter counts towards its own team, its client and the client's key account.
_MATTER_SCOPES = {
    ScopeKind.TEAM: "team",
    ScopeKind.CLIENT: "client",
    ScopeKind.KEY_ACCOUNT: "client__key_account",
}
_MATTER_LABELS = {
    ScopeKind.TEAM: "team__name",
    ScopeKind.CLIENT: "client__name",
    ScopeKind.KEY_ACCOUNT: "client__name",
}
PENNY = "0.01"


def chargeable_time(period):
    return TimeEntry.objects.filter(
        is_chargeable=True, worked_on__gte=period.start, worked_on__lt=period.end
    )


def hours(minutes) -> Decimal:
    return rounded(as_decimal(minutes) / 60, PENNY)


@register
class ServicePromisesMet(AggregateCalculator):
    """Matters whose promised work was done by the target date / matters whose
    target date fell in the period and is decided (met, or passed unmet) x 100."""

    code = "service_promises_met"
    name = "Service promises met"
    unit = Unit.PERCENT
    scope_paths = _MATTER_SCOPES
    label_paths = _MATTER_LABELS
    row_columns = (
        ("reference", "Matter"),
        ("client__name", "Client"),
        ("target_date", "Target date"),
        ("promise_met_on", "Promise met on"),
    )
    numerator_label = "Promises met"
    denominator_label = "Promises due"
    date_path = "target_date"

    def source(self, period):
        decided = Q(promise_met_on__isnull=False) | Q(
            target_date__lt=timezone.localdate()
        )
        return Matter.objects.filter(
            decided, target_date__gte=period.start, target_date__lt=period.end
        )

    def aggregates(self, period):
        return {
            "met": Count("pk", filter=Q(promise_met_on__lte=F("target_date"))),
            "due": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["met"],
            values["due"],
            empty_reason="No service promises fell due in this period.",
        )


@register
class ChargeableHours(AggregateCalculator):
    """Sum of the minutes of chargeable time entries dated in the period / 60."""

    code = "chargeable_hours"
    name = "Chargeable hours"
    unit = Unit.HOURS
    scope_paths = _TIME_SCOPES
    label_paths = _TIME_LABELS
    row_columns = _TIME_COLUMNS
    numerator_label = "Chargeable minutes"
    date_path = "worked_on"

    def source(self, period):
        return chargeable_time(period)

    def aggregates(self, period):
        return {"minutes": Sum("minutes")}

    def finish(self, period, values):
        minutes = as_decimal(values["minutes"])
        return Result(hours(minutes), minutes, None)


@register
class Utilisation(AggregateCalculator):
    """Chargeable hours / (staff who recorded chargeable time in the period x
    the chargeable hours target per person per month x months in the period)
    x 100. The target is the KPI_CHARGEABLE_HOURS_PER_MONTH setting."""

    code = "utilisation"
    name = "Utilisation against target"
    unit = Unit.PERCENT
    scope_paths = {ScopeKind.TEAM: "staff__profile__team"}
    label_paths = {ScopeKind.TEAM: "staff__profile__team__name"}
    row_columns = _TIME_COLUMNS
    numerator_label = "Chargeable hours"
    denominator_label = "Target hours"
    date_path = "worked_on"

    def source(self, period):
        return chargeable_time(period)

    def aggregates(self, period):
        return {"minutes": Sum("minutes"), "people": Count("staff", distinct=True)}

    def finish(self, period, values):
        target = Decimal(settings.KPI_CHARGEABLE_HOURS_PER_MONTH) * period.months
        target_hours = as_decimal(values["people"]) * target
        result = percentage(
            hours(values["minutes"]),
            target_hours,
            empty_reason="Nobody recorded chargeable time in this period.",
        )
        return result


@register
class RechargeValue(AggregateCalculator):
    """Sum of the line amounts of recharge statements issued for the months of
    the period, in pounds."""

    code = "recharge_value"
    name = "Recharge value"
    unit = Unit.MONEY
    scope_paths = {
        ScopeKind.TEAM: "staff__profile__team",
        ScopeKind.CLIENT: "statement__client",
        ScopeKind.KEY_ACCOUNT: "statement__client__key_account",
    }
    label_paths = {
        ScopeKind.TEAM: "staff__profile__team__name",
        ScopeKind.CLIENT: "statement__client__name",
        ScopeKind.KEY_ACCOUNT: "statement__client__name",
    }
    row_columns = (
        ("statement__month", "Statement month"),
        ("statement__client__name", "Client"),
        ("matter__reference", "Matter"),
        ("minutes", "Minutes"),
        ("amount", "Amount (£)"),
    )
    numerator_label = "Amount (£)"
    date_path = "statement__month"

    def source(self, period):
        return RechargeLine.objects.filter(
            statement__status="issued",
            statement__month__gte=period.start,
            statement__month__lt=period.end,
        )

    def aggregates(self, period):
        return {"amount": Sum("amount")}

    def finish(self, period, values):
        amount = rounded(as_decimal(values["amount"]), PENNY)
        return Result(amount, amount, None)


@register
class CostPerChargeableHour(Calculator):
    """Costs entered for the months of the period, in pounds / chargeable hours
    recorded in the period. A team's hours are those its members recorded."""

    code = "cost_per_chargeable_hour"
    name = "Cost per chargeable hour"
    unit = Unit.MONEY
    direction = Direction.LOWER
    scope_kinds = (ScopeKind.SERVICE, ScopeKind.TEAM)
    row_columns = (
        ("month", "Month"),
        ("team__name", "Team"),
        ("description", "Description"),
        ("amount", "Amount (£)"),
    )
    numerator_label = "Costs (£)"
    denominator_label = "Chargeable hours"

    def _costs(self, period):
        from kpis.models import ServiceCost

        return ServiceCost.objects.filter(month__gte=period.start, month__lt=period.end)

    def compute(self, period, scope_kind):
        if scope_kind == ScopeKind.SERVICE:
            cost = self._costs(period).aggregate(total=Sum("amount"))["total"]
            minutes = chargeable_time(period).aggregate(total=Sum("minutes"))["total"]
            return {SERVICE_SCOPE_ID: self._result(cost, minutes)}
        if scope_kind != ScopeKind.TEAM:
            return {}
        costs = dict(
            self._costs(period)
            .filter(team__isnull=False)
            .order_by()
            .values_list("team")
            .annotate(total=Sum("amount"))
        )
        time = (
            chargeable_time(period)
            .filter(staff__profile__team__isnull=False)
            .order_by()
            .values_list("staff__profile__team", "staff__profile__team__name")
            .annotate(total=Sum("minutes"))
        )
        results = {}
        for team_id, team_name, minutes in time:
            result = self._result(costs.get(team_id), minutes)
            results[team_id] = Result(
                result.value,
                result.numerator,
                result.denominator,
                result.missing_reason,
                team_name,
            )
        return results

    def compute_periods(self, periods, scope_kind):
        if len(periods) < 2 or scope_kind not in self.scope_kinds:
            return super().compute_periods(periods, scope_kind)
        span = Span(min(p.start for p in periods), max(p.end for p in periods))
        if scope_kind == ScopeKind.SERVICE:
            costs = monthly_totals(self._costs(span), "month", (), Sum("amount"))
            time = monthly_totals(
                chargeable_time(span), "worked_on", (), Sum("minutes")
            )
            costs, minutes = costs.get((), {}), time.get((), {})
            return {
                period: {
                    SERVICE_SCOPE_ID: self._result(
                        total_in(period, costs), total_in(period, minutes)
                    )
                }
                for period in periods
            }
        costs = monthly_totals(
            self._costs(span).filter(team__isnull=False),
            "month",
            ("team",),
            Sum("amount"),
        )
        time = monthly_totals(
            chargeable_time(span).filter(staff__profile__team__isnull=False),
            "worked_on",
            ("staff__profile__team", "staff__profile__team__name"),
            Sum("minutes"),
        )
        results = {}
        for period in periods:
            in_period = {}
            for (team_id, team_name), by_month in time.items():
                minutes = total_in(period, by_month)
                if minutes is None:
                    continue
                cost = total_in(period, costs.get((team_id,), {}))
                result = self._result(cost, minutes)
                in_period[team_id] = Result(
                    result.value,
                    result.numerator,
                    result.denominator,
                    result.missing_reason,
                    team_name,
                )
            results[period] = in_period
        return results

    def _result(self, cost, minutes):
        total_cost = rounded(as_decimal(cost), PENNY)
        total_hours = hours(minutes)
        if cost is None:
            reason = "No costs were entered for this period."
            return Result(None, None, total_hours, reason)
        if total_hours == 0:
            reason = "No chargeable time was recorded in this period."
            return Result(None, total_cost, total_hours, reason)
        return Result(rounded(total_cost / total_hours, PENNY), total_cost, total_hours)

    def rows(self, period, scope_kind, scope_id):
        costs = self._costs(period)
        if scope_kind == ScopeKind.TEAM:
            costs = costs.filter(team=scope_id)
        return costs


@register
class SuccessfulOutcomes(AggregateCalculator):
    """Matters closed in the period with the outcome "successful" / matters
    closed in the period with a successful, partly successful or unsuccessful
    outcome x 100. Matters with no outcome recorded, or "not applicable",
    are left out of both."""

    code = "successful_outcomes"
    name = "Matter outcomes marked successful"
    unit = Unit.PERCENT
    scope_paths = _MATTER_SCOPES
    label_paths = _MATTER_LABELS
    row_columns = (
        ("reference", "Matter"),
        ("client__name", "Client"),
        ("closed_on", "Closed on"),
        ("outcome", "Outcome"),
    )
    numerator_label = "Successful outcomes"
    denominator_label = "Outcomes recorded"
    date_path = "closed_on"

    def source(self, period):
        judged = [
            Matter.Outcome.SUCCESSFUL,
            Matter.Outcome.PARTLY_SUCCESSFUL,
            Matter.Outcome.UNSUCCESSFUL,
        ]
        return Matter.objects.filter(
            status=Matter.Status.CLOSED,
            outcome__in=judged,
            closed_on__gte=period.start,
            closed_on__lt=period.end,
        )

    def aggregates(self, period):
        return {
            "successful": Count("pk", filter=Q(outcome=Matter.Outcome.SUCCESSFUL)),
            "recorded": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["successful"],
            values["recorded"],
            empty_reason="No matter closed in this period with an outcome recorded.",
        )
