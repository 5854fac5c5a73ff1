"""Read queries of the matter, time and timesheet pages.

As in ``clients.selectors``, each returns rows in a number of queries that
does not grow with the rows it covers.
"""

from collections import defaultdict
from datetime import date, timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, Sum

from accounts.models import Team

from .forms import StaffChoiceFilter
from .models import Client, Matter, RechargeLine, TimeEntry
from .working_days import add_working_days

PROMISE_FILTERS = [
    ("at_risk", "At risk"),
    ("missed", "Missed"),
    ("met", "Met"),
    ("pending", "Not yet met"),
]


def matters_for_list():
    return Matter.objects.select_related(
        "client", "responsible_lawyer", "team", "matter_type", "service_promise"
    )


class MatterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Reference, title or client"
    )
    # Set by the client page's link, not chosen from a list, because a list
    # of thousands of clients would be most of the page. The search box
    # finds matters by client name.
    client = django_filters.ModelChoiceFilter(
        queryset=Client.objects.all(), widget=forms.HiddenInput
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), empty_label="Any team"
    )
    lawyer = StaffChoiceFilter(
        field_name="responsible_lawyer",
        named_in_model=Matter,
        label="Lawyer",
        empty_label="Anyone",
    )
    status = django_filters.ChoiceFilter(
        choices=Matter.Status.choices, empty_label="Any status"
    )
    promise = django_filters.ChoiceFilter(
        label="Promise",
        choices=PROMISE_FILTERS,
        method="filter_promise",
        empty_label="Any",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("client__name", "client"),
            ("responsible_lawyer__full_name", "lawyer"),
            ("status", "status"),
            ("opened_on", "opened"),
            ("target_date", "target"),
        ),
    )

    class Meta:
        model = Matter
        fields = ["q", "client", "team", "lawyer", "status", "promise"]

    def __init__(self, *args, today: date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(client__name__icontains=value)
        )

    def filter_promise(self, queryset, name, value):
        if value == "at_risk":
            return queryset.promise_at_risk(self.today)
        if value == "missed":
            return queryset.promise_missed(self.today)
        if value == "met":
            return queryset.promise_met()
        if value == "pending":
            return queryset.promise_pending()
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("-opened_on")
        return queryset.order_by(*queryset.query.order_by, "pk")


def matter_for_page(pk: int) -> Matter:
    return matters_for_list().select_related("client_contact").get(pk=pk)


def billed_flag():
    return Exists(RechargeLine.objects.filter(time_entry=OuterRef("pk")))


def time_entries_for_matter(matter: Matter):
    return (
        matter.time_entries.select_related("staff")
        .annotate(is_billed=billed_flag())
        .order_by("-worked_on", "-pk")
    )


def time_totals(entries) -> dict:
    """Return the minutes and amounts of ``entries``, split by chargeable or not."""
    totals = entries.aggregate(
        all_minutes=Sum("minutes"),
        chargeable_minutes=Sum("minutes", filter=Q(is_chargeable=True)),
        chargeable_amount=Sum("amount", filter=Q(is_chargeable=True)),
        non_chargeable_amount=Sum("amount", filter=Q(is_chargeable=False)),
    )
    return {key: value or 0 for key, value in totals.items()}


def matters_due_soon(today: date, *, lawyer=None):
    """Matters whose unmet promise is due within 2 working days, or overdue."""
    last_day = add_working_days(today, 2)
    matters = (
        matters_for_list()
        .exclude(status=Matter.Status.CLOSED)
        .promise_pending()
        .filter(target_date__lte=last_day)
    )
    if lawyer is not None:
        matters = matters.filter(responsible_lawyer=lawyer)
    return matters.order_by("target_date", "reference", "pk")


# Timesheet
# ---------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def timesheet_matters(staff, monday: date):
    """Return the matters of a lawyer's week: their open ones and any with time."""
    sunday = monday + timedelta(days=6)
    # One UNION of two index scans, rather than an OR of two subqueries,
    # which PostgreSQL can only test on every matter in turn.
    own_open = (
        Matter.objects.filter(responsible_lawyer=staff)
        .exclude(status=Matter.Status.CLOSED)
        .order_by()
        .values("pk")
    )
    with_time = (
        TimeEntry.objects.filter(staff=staff, worked_on__range=(monday, sunday))
        .order_by()
        .values("matter_id")
    )
    return (
        Matter.objects.select_related("client")
        .filter(pk__in=own_open.union(with_time))
        .order_by("client__name", "reference", "pk")
    )


def timesheet_entries(staff, monday: date, matter_ids):
    """Return the week's entries of ``staff`` on those matters, by (matter, day).

    Each value has ``minutes`` (every entry), ``other`` (entries not made by
    the timesheet) and ``own`` (the timesheet's own entry, or None).
    """
    sunday = monday + timedelta(days=6)
    entries = (
        TimeEntry.objects.filter(
            staff=staff, worked_on__range=(monday, sunday), matter_id__in=matter_ids
        )
        .annotate(is_billed=billed_flag())
        .order_by("pk")
    )
    cells = defaultdict(lambda: {"minutes": 0, "other": 0, "own": None})
    for entry in entries:
        cell = cells[(entry.matter_id, entry.worked_on)]
        cell["minutes"] += entry.minutes
        if entry.from_timesheet:
            cell["own"] = entry
        else:
            cell["other"] += entry.minutes
    return cells
