"""Imports of clients, contacts, matters and time entries from CSV or XLSX."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class ImportJob(models.Model):
    """One uploaded file, its check (the dry run) and, if chosen, its apply.

    The file is kept in the database, so that a Celery worker on another
    machine can read it. It is cleared once the job is applied or cancelled,
    and kept after a failure so that the check can run again.
    """

    class Kind(models.TextChoices):
        CLIENTS = "clients", "Clients"
        CONTACTS = "contacts", "Contacts"
        MATTERS = "matters", "Matters"
        TIME_ENTRIES = "time_entries", "Time entries"

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked, waiting for a decision"
        APPLYING = "applying", "Importing"
        APPLIED = "applied", "Imported"
        CANCELLED = "cancelled", "Cancelled, nothing imported"
        FAILED = "failed", "Failed, nothing imported"

    ACTIVE_STATUSES = (Status.CHECKING, Status.APPLYING)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(editable=False)
    # Maps each field of the kind to the file's column header it reads from.
    column_mapping = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    runs_in_background = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name}"

    def get_absolute_url(self):
        return reverse("clients:import_detail", args=[self.pk])

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress_percent(self):
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportIssue(models.Model):
    """A problem with one field of one row of an import file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField(
        help_text="The row as a spreadsheet numbers it: the header is row 1."
    )
    field = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["job", "row_number", "pk"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self):
        return f"Row {self.row_number}: {self.message}"
