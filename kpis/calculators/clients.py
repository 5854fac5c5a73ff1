"""Calculators over clients, key accounts, plans and needs assessments."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from clients.models import (
    Client,
    ClientPlan,
    Interaction,
    KeyAccount,
    PlanAction,
    TimeEntry,
)
from clients.selectors_key_accounts import actions_in_force
from kpis.choices import ScopeKind, Unit
from kpis.periods import LONDON, PeriodKind

from . import register
from .base import AggregateCalculator, count, percentage

_KEY_ACCOUNT_SCOPES = {
    ScopeKind.TEAM: "owner__profile__team",
    ScopeKind.KEY_ACCOUNT: "pk",
}
_KEY_ACCOUNT_LABELS = {
    ScopeKind.TEAM: "owner__profile__team__name",
    ScopeKind.KEY_ACCOUNT: "client__name",
}
_KEY_ACCOUNT_COLUMNS = (
    ("client__name", "Key account"),
    ("owner__full_name", "Account owner"),
    ("tier", "Tier"),
)


def _work_between(start: dt.date, end: dt.date):
    """Build a test of whether the outer client had time recorded in [start, end)."""
    return Exists(
        TimeEntry.objects.filter(
            matter__client=OuterRef("pk"), worked_on__gte=start, worked_on__lt=end
        )
    )


def _reference_day(period) -> dt.date:
    """Return the day a point-in-time KPI is read on: the last day, or today."""
    return min(period.last_day, timezone.localdate())


def _key_accounts_at(day: dt.date):
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LONDON)
    return KeyAccount.objects.filter(created_at__lt=end_of_day)


@register
class ClientRetention(AggregateCalculator):
    """Clients with time recorded in the period that also had time recorded in
    the previous period / clients with time recorded in the previous period x 100."""

    code = "client_retention"
    name = "Client retention"
    unit = Unit.PERCENT
    row_columns = (("name", "Client"), ("kind", "Kind"), ("retained", "Retained"))
    numerator_label = "Clients retained"
    denominator_label = "Clients in the previous period"

    def source(self, period):
        previous = period.previous()
        return Client.objects.filter(
            _work_between(previous.start, previous.end)
        ).annotate(retained=_work_between(period.start, period.end))

    def aggregates(self, period):
        return {
            "retained_count": Count("pk", filter=Q(retained=True)),
            "total": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["retained_count"],
            values["total"],
            empty_reason="No client had work recorded in the previous period.",
        )


@register
class NewClients(AggregateCalculator):
    """Clients with time recorded in the period and never before it."""

    code = "new_clients"
    name = "New clients"
    unit = Unit.COUNT
    row_columns = (("name", "Client"), ("kind", "Kind"))
    numerator_label = "New clients"

    def source(self, period):
        earlier = _work_between(dt.date.min, period.start)
        return Client.objects.filter(_work_between(period.start, period.end)).filter(
            ~earlier
        )

    def aggregates(self, period):
        return {"clients": Count("pk")}

    def finish(self, period, values):
        return count(values["clients"])


@register
class KeyAccountsWithAgreedPlan(AggregateCalculator):
    """Key accounts with an agreed plan for the financial year that contains the
    period's last day (or today, for the current period), whose review date has
    not passed / key accounts designated by that day x 100."""

    code = "key_accounts_agreed_plan"
    name = "Key accounts with an agreed, in-date plan"
    unit = Unit.PERCENT
    scope_paths = _KEY_ACCOUNT_SCOPES
    label_paths = _KEY_ACCOUNT_LABELS
    row_columns = (*_KEY_ACCOUNT_COLUMNS, ("has_plan", "Agreed, in-date plan"))
    numerator_label = "Accounts with a plan"
    denominator_label = "Key accounts"

    def source(self, period):
        # NOTE: a plan's status is read as it is now, because plans keep no
        # history of status, so a recomputed past period can differ.
        day = _reference_day(period)
        year_start = _first_day_of_financial_year(day)
        plan = ClientPlan.objects.filter(
            Q(review_on__isnull=True) | Q(review_on__gte=day),
            key_account=OuterRef("pk"),
            status=ClientPlan.Status.AGREED,
            period_start=year_start,
        )
        return _key_accounts_at(day).annotate(has_plan=Exists(plan))

    def aggregates(self, period):
        return {"planned": Count("pk", filter=Q(has_plan=True)), "total": Count("pk")}

    def finish(self, period, values):
        return percentage(
            values["planned"],
            values["total"],
            empty_reason="There were no key accounts in this period.",
        )


@register
class KeyAccountsAssessed(AggregateCalculator):
    """Key accounts whose client had a one-to-one needs assessment in the 12
    months up to the period's last day (or today) / key accounts designated by
    that day x 100."""

    code = "key_accounts_needs_assessed"
    name = "Key accounts with a needs assessment in the last 12 months"
    unit = Unit.PERCENT
    scope_paths = _KEY_ACCOUNT_SCOPES
    label_paths = _KEY_ACCOUNT_LABELS
    row_columns = (*_KEY_ACCOUNT_COLUMNS, ("assessed", "Assessed"))
    numerator_label = "Accounts assessed"
    denominator_label = "Key accounts"

    def source(self, period):
        day = _reference_day(period)
        until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LONDON)
        since = dt.datetime.combine(_one_year_before(day), dt.time(), LONDON)
        assessment = Interaction.objects.filter(
            client=OuterRef("client"),
            kind=Interaction.Kind.NEEDS_ASSESSMENT,
            occurred_at__gte=since,
            occurred_at__lt=until,
        )
        return _key_accounts_at(day).annotate(assessed=Exists(assessment))

    def aggregates(self, period):
        return {
            "assessed_count": Count("pk", filter=Q(assessed=True)),
            "total": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["assessed_count"],
            values["total"],
            empty_reason="There were no key accounts in this period.",
        )


@register
class SharedActionsCompleted(AggregateCalculator):
    """Plan actions shared with the client, due in the period and done / such
    actions due in the period that were not dropped x 100. Only the actions of
    each year's plan in force count: the agreed version, or the draft if none
    is agreed."""

    code = "shared_actions_completed"
    name = "Shared plan actions completed"
    unit = Unit.PERCENT
    scope_paths = {
        ScopeKind.TEAM: "owner__profile__team",
        ScopeKind.CLIENT: "plan__key_account__client",
        ScopeKind.KEY_ACCOUNT: "plan__key_account",
    }
    label_paths = {
        ScopeKind.TEAM: "owner__profile__team__name",
        ScopeKind.CLIENT: "plan__key_account__client__name",
        ScopeKind.KEY_ACCOUNT: "plan__key_account__client__name",
    }
    row_columns = (
        ("due_on", "Due"),
        ("plan__key_account__client__name", "Key account"),
        ("description", "Action"),
        ("status", "Status"),
    )
    numerator_label = "Actions done"
    denominator_label = "Actions due"
    date_path = "due_on"

    def source(self, period):
        # A revision copies every action into the new version, so counting
        # archived and draft versions too would count an action twice.
        return (
            actions_in_force()
            .filter(
                shared_with_client=True, due_on__gte=period.start, due_on__lt=period.end
            )
            .exclude(status=PlanAction.Status.DROPPED)
        )

    def aggregates(self, period):
        return {
            "done": Count("pk", filter=Q(status=PlanAction.Status.DONE)),
            "due": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["done"],
            values["due"],
            empty_reason="No shared plan actions fell due in this period.",
        )


def _first_day_of_financial_year(day: dt.date) -> dt.date:
    from kpis.periods import Period

    return Period.containing(PeriodKind.FINANCIAL_YEAR, day).start


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        # 29 February: a year earlier has no such day.
        return day.replace(year=day.year - 1, day=28)
