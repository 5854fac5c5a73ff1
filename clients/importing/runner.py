"""Checking (the dry run) and applying an import job, with progress.

Both steps read the file again from the job row, so they can run in the web
process for a small file or in a Celery worker for a large one. Applying
checks every row again, because records may have changed since the check,
and then writes every valid row in one transaction: a failure part way
leaves nothing written.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent
from clients.models import ImportIssue, ImportJob

from .base import Issue, RowInvalid, default_mapping
from .kinds import IMPORTERS
from .reading import ImportFileError, read_table

logger = logging.getLogger(__name__)

# Rows between two progress updates of the job row.
PROGRESS_EVERY = 500


@dataclass
class CheckResult:
    planned: list
    issues: list[Issue]

    @property
    def invalid_row_count(self) -> int:
        return len({issue.row_number for issue in self.issues if issue.row_number > 1})


def fields_of(kind: str):
    return IMPORTERS[kind].fields


def mapping_for(job: ImportJob, headers: list[str]) -> dict[str, str]:
    """Return the job's chosen mapping, filled in with defaults where unset."""
    defaults = default_mapping(fields_of(job.kind), headers)
    chosen = {
        k: v for k, v in (job.column_mapping or {}).items() if v in headers or v == ""
    }
    return {**defaults, **chosen}


def _set_progress(job: ImportJob, processed: int) -> None:
    job.processed_rows = processed
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)


def evaluate(job: ImportJob, *, report_progress: bool = True) -> CheckResult:
    """Read the job's file and plan every row, collecting the problems."""
    table = read_table(bytes(job.content), job.file_name)
    job.headers = table.headers
    job.column_mapping = mapping_for(job, table.headers)
    job.total_rows = len(table.rows)
    ImportJob.objects.filter(pk=job.pk).update(
        headers=job.headers,
        column_mapping=job.column_mapping,
        total_rows=job.total_rows,
        processed_rows=0,
    )
    importer = IMPORTERS[job.kind](table, job.column_mapping)
    issues = importer.mapping_issues()
    if issues:
        return CheckResult(planned=[], issues=issues)

    importer.prepare()
    planned = []
    for count, (row_number, row) in enumerate(table.rows, start=1):
        try:
            planned.append(importer.plan_row(row_number, importer.cells(row)))
        except RowInvalid as invalid:
            issues.extend(Issue(row_number, *problem) for problem in invalid.problems)
        if report_progress and count % PROGRESS_EVERY == 0:
            _set_progress(job, count)
    job.importer = importer
    return CheckResult(planned=planned, issues=issues)


def check_job(*, job_id: int) -> ImportJob:
    """Run the dry run: record each bad row's problems and what would change."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        logger.info(
            "Import job %s is %s, so it was not checked again", job.pk, job.status
        )
        return job
    try:
        result = evaluate(job)
    except ImportFileError as error:
        return _fail(job, str(error))
    except Exception:
        logger.exception("Checking import job %s failed", job.pk)
        return _fail(
            job, "The check failed unexpectedly. Try again, or ask an administrator."
        )

    with transaction.atomic():
        ImportIssue.objects.filter(job=job).delete()
        ImportIssue.objects.bulk_create(
            [
                ImportIssue(
                    job=job,
                    row_number=issue.row_number,
                    field=issue.field[:100],
                    value=issue.value[:200],
                    message=issue.message[:500],
                )
                for issue in result.issues
            ],
            batch_size=1000,
        )
        _store_counts(job, result)
        job.status = ImportJob.Status.CHECKED
        job.checked_at = timezone.now()
        job.save()
    logger.info(
        "Import job %s checked: %d rows, %d invalid",
        job.pk,
        job.total_rows,
        job.invalid_rows,
    )
    return job


def _store_counts(job: ImportJob, result: CheckResult) -> None:
    actions = [row.action for row in result.planned]
    job.processed_rows = job.total_rows
    job.valid_rows = len(result.planned)
    job.invalid_rows = result.invalid_row_count
    job.created_count = actions.count("create")
    job.updated_count = actions.count("update")
    job.unchanged_count = actions.count("unchanged")


def apply_job(*, job_id: int) -> ImportJob:
    """Write every valid row of a job, all in one transaction, or none."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        logger.info("Import job %s is %s, so it was not applied", job.pk, job.status)
        return job
    try:
        result = evaluate(job)
        if not result.planned:
            return _fail(
                job, "No row of the file is valid now, so nothing was imported."
            )
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportJob.Status.APPLYING:
                return locked
            job.importer.write(result.planned)
            _store_counts(job, result)
            job.status = ImportJob.Status.APPLIED
            job.finished_at = timezone.now()
            job.content = b""
            job.save()
            _audit(job)
    except ImportFileError as error:
        return _fail(job, str(error))
    except Exception:
        logger.exception("Applying import job %s failed; nothing was written", job.pk)
        return _fail(
            job, "The import failed part way, so nothing was imported. Try again."
        )
    logger.info(
        "Import job %s applied: %d created, %d updated, %d unchanged",
        job.pk,
        job.created_count,
        job.updated_count,
        job.unchanged_count,
    )
    return job


def _audit(job: ImportJob) -> None:
    # NOTE: one audit entry per import, with its counts, rather than one per
    # row, so that a 10,000-row file adds one entry, not 10,000.
    audit.record(
        action=AuditEvent.Action.CREATE,
        actor=job.created_by,
        target=job,
        changes={
            "kind": job.kind,
            "file": job.file_name,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "skipped invalid rows": job.invalid_rows,
        },
    )


def _fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
