"""Staff pages for importing clients, contacts, matters and time from files."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from accounts.access import StaffRequiredMixin

from . import exports, importing
from .importing import runner
from .importing.reading import MAX_FILE_BYTES, MAX_ROWS, ImportFileError
from .models import ImportJob
from .pagination import NearestPageMixin

ISSUES_PAGE_SIZE = 50
ACCEPTED_EXTENSIONS = (".csv", ".xlsx")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file contains", choices=ImportJob.Kind.choices
    )
    file = forms.FileField(
        help_text=f"A CSV or XLSX file of up to {MAX_FILE_BYTES // (1024 * 1024)} MB "
        f"and {MAX_ROWS:,} rows, with a header row. Dates as 31/03/2026; amounts "
        "with or without a pound sign.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise forms.ValidationError("Choose a .csv or .xlsx file.")
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                "Split it into smaller files."
            )
        return upload


class ColumnMappingForm(forms.Form):
    """For each field of the import, the file column it reads from."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(not in this file)")] + [(h, h) for h in job.headers if h]
        for field in runner.fields_of(job.kind):
            label = field.label + ("" if field.required else " (optional)")
            self.fields[field.key] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                help_text=field.help,
            )
            self.initial[field.key] = job.column_mapping.get(field.key, "")


class ImportListView(StaffRequiredMixin, NearestPageMixin, ListView):
    permission_required = "clients.view_importjob"
    template_name = "clients/imports/import_list.html"
    paginate_by = 25

    def get_queryset(self):
        return ImportJob.objects.select_related("created_by").defer("content")


class ImportCreateView(StaffRequiredMixin, View):
    permission_required = "clients.add_importjob"
    template_name = "clients/imports/import_form.html"

    def get(self, request):
        initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") else {}
        form = ImportUploadForm(initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = importing.start_import(
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    content=upload.read(),
                    actor=request.user,
                )
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                return redirect(job)
        return render(request, self.template_name, {"form": form}, status=400)


def _job_or_404(pk, *, with_content=False):
    jobs = ImportJob.objects.select_related("created_by")
    if not with_content:
        jobs = jobs.defer("content")
    try:
        return jobs.get(pk=pk)
    except ImportJob.DoesNotExist as error:
        raise Http404("No import with that id.") from error


class ImportDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_importjob"
    template_name = "clients/imports/import_detail.html"

    def get(self, request, pk):
        job = _job_or_404(pk)
        return render(request, self.template_name, _detail_context(request, job))


def _detail_context(request, job, mapping_form=None):
    issues = job.issues.order_by("row_number", "pk")
    page = Paginator(issues, ISSUES_PAGE_SIZE).get_page(request.GET.get("page"))
    can_remap = job.status in (ImportJob.Status.CHECKED, ImportJob.Status.FAILED)
    return {
        "job": job,
        "issues_page": page,
        "mapping_form": mapping_form
        or (ColumnMappingForm(job=job) if can_remap and job.headers else None),
        "unused_headers": [
            header
            for header in job.headers
            if header and header not in job.column_mapping.values()
        ],
    }


class ImportProgressView(StaffRequiredMixin, View):
    """The progress bar, polled by htmx; reloads the page when the step ends."""

    permission_required = "clients.view_importjob"

    def get(self, request, pk):
        job = _job_or_404(pk)
        if not job.is_active:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "clients/imports/_progress.html", {"job": job})


class ImportMappingView(StaffRequiredMixin, View):
    """Check the file again with the columns the person chose."""

    permission_required = "clients.add_importjob"

    def post(self, request, pk):
        job = _job_or_404(pk)
        form = ColumnMappingForm(request.POST, job=job)
        if not form.is_valid():
            ctx = _detail_context(request, job, mapping_form=form)
            return render(
                request, "clients/imports/import_detail.html", ctx, status=400
            )
        if not importing.recheck_import(job=job, column_mapping=form.cleaned_data):
            messages.error(request, "This import can no longer be checked again.")
        return redirect(job)


class ImportApplyView(StaffRequiredMixin, View):
    permission_required = "clients.add_importjob"

    def post(self, request, pk):
        job = _job_or_404(pk)
        if not importing.request_apply(job=job):
            messages.error(request, "This import is not waiting to be applied.")
            return redirect(job)
        job.refresh_from_db()
        if job.status == ImportJob.Status.APPLIED:
            messages.success(request, _applied_message(job))
        elif job.status == ImportJob.Status.FAILED:
            messages.error(request, job.failure)
        return redirect(job)


def _applied_message(job):
    return (
        f"Imported: {job.created_count} created, {job.updated_count} updated, "
        f"{job.unchanged_count} unchanged. {job.invalid_rows} invalid "
        f"row{'s' if job.invalid_rows != 1 else ''} skipped."
    )


class ImportCancelView(StaffRequiredMixin, View):
    permission_required = "clients.add_importjob"

    def post(self, request, pk):
        job = _job_or_404(pk)
        if importing.cancel_import(job=job):
            messages.success(request, "Import cancelled. Nothing was imported.")
        else:
            messages.error(request, "This import can no longer be cancelled.")
        return redirect(job)


class ImportRetryView(StaffRequiredMixin, View):
    """Check a failed import's file again."""

    permission_required = "clients.add_importjob"

    def post(self, request, pk):
        job = _job_or_404(pk)
        if not importing.recheck_import(job=job):
            messages.error(request, "This import can no longer be checked again.")
        return redirect(job)


ISSUE_COLUMNS = [
    exports.Column("Row"),
    exports.Column("Column"),
    exports.Column("Value"),
    exports.Column("Problem"),
]


class ImportIssuesExportView(StaffRequiredMixin, View):
    """The rejected rows of an import, to correct in a spreadsheet."""

    permission_required = "clients.view_importjob"

    def get(self, request, pk, file_format):
        job = _job_or_404(pk)
        rows = [
            [issue.row_number, issue.field, issue.value, issue.message]
            for issue in job.issues.order_by("row_number", "pk")
        ]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"import-{job.pk}-problems",
            columns=ISSUE_COLUMNS,
            rows=rows,
            description="import problems",
            target=job,
        )


class ImportTemplateView(StaffRequiredMixin, View):
    """An empty file with the default column headers of one kind of import."""

    permission_required = "clients.add_importjob"

    def get(self, request, kind, file_format):
        if kind not in ImportJob.Kind.values:
            raise Http404("No such kind of import.")
        columns = [exports.Column(field.label) for field in runner.fields_of(kind)]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"{kind}-template-{timezone.localdate():%Y-%m-%d}",
            columns=columns,
            rows=[],
            description=f"{kind} import template",
        )
