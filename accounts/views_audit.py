"""The audit trail page for administrators: search, read and download entries."""

import json
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from clients import exports
from clients.pagination import NearestPageMixin

from .models import AuditEvent

# Apps whose models the record type filter offers.
AUDITED_APPS = ("accounts", "clients", "feedback", "kpis")

# The staff page of each record type that has one, by "app_label.model".
RECORD_PAGES = {
    "clients.client": "clients:detail",
    "clients.keyaccount": "clients:key_account_detail",
    "clients.clientplan": "clients:plan_detail",
    "clients.matter": "clients:matter_detail",
    "clients.rechargestatement": "clients:statement_detail",
    "feedback.feedback": "feedback_staff:feedback_detail",
}

# NOTE: chosen from one measurement on two busy cores: as XLSX, 10,000 rows
# took 6 seconds and 50,000 over a minute, too long for one web request.
MAX_EXPORT_ROWS = 10_000

EXPORT_COLUMNS = [
    exports.Column("When"),
    exports.Column("Person"),
    exports.Column("Email"),
    exports.Column("Action"),
    exports.Column("Record type"),
    exports.Column("Record id"),
    exports.Column("Record"),
    exports.Column("Changes"),
    exports.Column("IP address"),
]


class AdministratorRequiredMixin(AccessMixin):
    """Admit administrators, send anonymous visitors to sign in, reject others."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_administrator:
            raise PermissionDenied("The audit trail is for administrators.")
        return super().dispatch(request, *args, **kwargs)


class RecordTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name.capitalize()


class RecordTypeFilter(django_filters.ModelChoiceFilter):
    field_class = RecordTypeChoiceField


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "Choose a date on or after the “From” date.")
        return cleaned


def _record_types(request):
    return ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by(
        "app_label", "model"
    )


class AuditEventFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        label="Person",
        method="filter_person",
        help_text="Name or email of who acted, or the email typed at a sign-in",
    )
    action = django_filters.ChoiceFilter(
        choices=AuditEvent.Action.choices, empty_label="Any action"
    )
    record_type = RecordTypeFilter(
        field_name="target_type",
        label="Record type",
        queryset=_record_types,
        empty_label="Any type",
    )
    record_id = django_filters.CharFilter(
        field_name="target_id", label="Record id", lookup_expr="exact"
    )
    record = django_filters.CharFilter(
        field_name="target_repr",
        label="Record name",
        lookup_expr="icontains",
        help_text="Part of the record's name, such as a client or matter",
    )
    since = django_filters.DateFilter(
        label="From",
        method="filter_since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label="To",
        method="filter_until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["person", "action", "record_type", "record_id", "record"]
        form = AuditFilterForm

    def filter_person(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor__full_name__icontains=value)
            | Q(actor__email__icontains=value)
            | Q(username__icontains=value)
        )

    # Compare with local midnights rather than a date lookup, so that the
    # index on "at" can serve the range.
    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=_local_midnight(value))

    def filter_until(self, queryset, name, value):
        if value == date.max:
            # The day after the last date Python can hold does not exist, and
            # nothing can be recorded later than it anyway.
            return queryset
        return queryset.filter(at__lt=_local_midnight(value + timedelta(days=1)))

    @property
    def qs(self):
        # Newest first, with the id as a tiebreak so that paging is stable.
        return super().qs.order_by("-at", "-pk")


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_events(request):
    queryset = AuditEvent.objects.select_related("actor", "target_type")
    return AuditEventFilter(request.GET, queryset=queryset, request=request)


def search_query(request):
    """Return the search fields that were filled in, without the page number."""
    query = QueryDict(mutable=True)
    for name in AuditEventFilter.base_filters:
        value = request.GET.get(name, "").strip()
        if value:
            query[name] = value
    return query


def change_rows(event):
    """Return the entry's changes as readable ``(field, old, new)`` rows.

    ``old`` is ``None`` where the entry records a value rather than a change.
    """
    changes = event.changes if isinstance(event.changes, dict) else {}
    is_update = event.action == AuditEvent.Action.UPDATE
    rows = []
    for name, value in changes.items():
        label = str(name).replace("_", " ").capitalize()
        if is_update and isinstance(value, list) and len(value) == 2:
            rows.append((label, _as_text(value[0]), _as_text(value[1])))
        else:
            rows.append((label, None, _as_text(value)))
    return rows


def changes_text(event):
    parts = []
    for label, old, new in change_rows(event):
        parts.append(f"{label}: {new}" if old is None else f"{label}: {old} → {new}")
    return "; ".join(parts)


def record_url(event):
    """Return the staff page of the entry's record, without loading the record."""
    if event.target_type is None or event.action == AuditEvent.Action.DELETE:
        return None
    url_name = RECORD_PAGES.get(
        f"{event.target_type.app_label}.{event.target_type.model}"
    )
    if url_name is None or not event.target_id.isdigit():
        return None
    try:
        return reverse(url_name, args=[int(event.target_id)])
    except NoReverseMatch:
        return None


def _as_text(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class AuditTrailView(AdministratorRequiredMixin, NearestPageMixin, ListView):
    template_name = "accounts/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = filtered_events(self.request)
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(filter=self.filterset, **kwargs)
        ctx["rows"] = [
            (event, change_rows(event), record_url(event))
            for event in ctx["object_list"]
        ]
        ctx["export_query"] = search_query(self.request)
        return ctx


class AuditTrailExportView(AdministratorRequiredMixin, View):
    """The filtered entries, every page of them, as CSV or XLSX."""

    def get(self, request, file_format):
        filterset = filtered_events(request)
        query = search_query(request)
        if not filterset.is_valid():
            # Downloading every entry in place of the search that failed would
            # hand over far more than was asked for; the list shows the errors.
            messages.error(
                request,
                "Nothing was downloaded because the search is invalid. "
                "Correct the fields marked below, then download again.",
            )
            return redirect(reverse("accounts:audit_trail") + f"?{query.urlencode()}")
        events = filterset.qs
        matching = events.count()
        if matching > MAX_EXPORT_ROWS:
            messages.error(
                request,
                f"{matching:,} entries match, too many to download at once. "
                f"Narrow the search, for example by dates, to {MAX_EXPORT_ROWS:,} "
                "entries or fewer.",
            )
            search = f"?{query.urlencode()}" if query else ""
            return redirect(reverse("accounts:audit_trail") + search)

        rows = [_export_row(event) for event in events]
        description = "audit trail"
        if query:
            description += f" ({query.urlencode()})"
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"audit-trail-{timezone.localdate():%Y-%m-%d}",
            columns=EXPORT_COLUMNS,
            rows=rows,
            description=description,
        )


def _export_row(event):
    return [
        event.at,
        str(event.actor) if event.actor else "",
        event.actor.email if event.actor else event.username,
        event.get_action_display(),
        event.target_type.name.capitalize() if event.target_type else "",
        event.target_id,
        event.target_repr,
        changes_text(event),
        event.ip_address or "",
    ]
