"""CSV and XLSX downloads of the client list and of a matter's time."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View

from accounts.access import StaffRequiredMixin

from . import exports, selectors, selectors_matters
from .models import ImportJob, Matter

TIME_COLUMNS = [
    exports.Column("Date"),
    exports.Column("Matter"),
    exports.Column("Staff member"),
    exports.Column("Activity"),
    exports.Column("Minutes"),
    exports.Column("Chargeable"),
    exports.Column("Hourly rate", money=True),
    exports.Column("Amount", money=True),
    exports.Column("Note"),
    exports.Column("Recharged"),
]


class MatterTimeExportView(StaffRequiredMixin, View):
    """Every time entry of one matter, as CSV or XLSX."""

    permission_required = "clients.view_timeentry"

    def get(self, request, pk, file_format):
        matter = get_object_or_404(Matter, pk=pk)
        entries = selectors_matters.time_entries_for_matter(matter)
        rows = [
            [
                entry.worked_on,
                matter.reference,
                entry.staff.full_name,
                entry.get_activity_display(),
                entry.minutes,
                entry.is_chargeable,
                entry.hourly_rate,
                entry.amount,
                entry.note,
                entry.is_billed,
            ]
            for entry in entries
        ]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"time-{matter.reference.replace('/', '-')}",
            columns=TIME_COLUMNS,
            rows=rows,
            description="time entries of a matter",
            target=matter,
        )


CLIENT_COLUMNS = [
    exports.Column("Name"),
    exports.Column("Kind"),
    exports.Column("Status"),
    exports.Column("Part of"),
    exports.Column("Relationship owner"),
    exports.Column("Cost centre"),
    exports.Column("Last contact"),
]


class ClientExportView(StaffRequiredMixin, View):
    """The client list as filtered, every page of it, as CSV or XLSX."""

    permission_required = "clients.view_client"

    def get(self, request, file_format):
        filterset = selectors.ClientFilter(
            request.GET, queryset=selectors.clients_with_activity(), request=request
        )
        rows = [
            [
                client.name,
                client.get_kind_display(),
                client.get_status_display(),
                client.parent.name if client.parent else "",
                client.relationship_owner.full_name
                if client.relationship_owner
                else "",
                client.cost_centre_code,
                client.last_contact_at,
            ]
            for client in filterset.qs
        ]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"clients-{timezone.localdate():%Y-%m-%d}",
            columns=CLIENT_COLUMNS,
            rows=rows,
            description="clients",
        )


IMPORT_COLUMNS = [
    exports.Column("Started"),
    exports.Column("File"),
    exports.Column("Contains"),
    exports.Column("Status"),
    exports.Column("Rows"),
    exports.Column("Valid rows"),
    exports.Column("Rows with problems"),
    exports.Column("Created"),
    exports.Column("Updated"),
    exports.Column("Unchanged"),
    exports.Column("Started by"),
    exports.Column("Finished"),
]


class ImportListExportView(StaffRequiredMixin, View):
    """Every import job, newest first, as CSV or XLSX."""

    permission_required = "clients.view_importjob"

    def get(self, request, file_format):
        jobs = ImportJob.objects.select_related("created_by").defer("content")
        rows = [
            [
                timezone.localtime(job.created_at),
                job.file_name,
                job.get_kind_display(),
                job.get_status_display(),
                job.total_rows,
                job.valid_rows,
                job.invalid_rows,
                job.created_count,
                job.updated_count,
                job.unchanged_count,
                job.created_by.full_name if job.created_by else "",
                timezone.localtime(job.finished_at) if job.finished_at else "",
            ]
            for job in jobs
        ]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"imports-{timezone.localdate():%Y-%m-%d}",
            columns=IMPORT_COLUMNS,
            rows=rows,
            description="import jobs",
        )
