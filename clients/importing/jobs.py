"""Starting, applying and cancelling import jobs, in the request or in Celery."""

import functools

from django.conf import settings
from django.db import transaction

from accounts.models import User
from clients.models import ImportJob
from crm_site.celery import enqueue

from . import runner
from .reading import read_table


def start_import(
    *, kind: str, file_name: str, content: bytes, actor: User
) -> ImportJob:
    """Store the file and check it, in a Celery task if it has many rows.

    Raises ``ImportFileError`` if the file cannot be read at all.
    """
    table = read_table(content, file_name)
    background = len(table.rows) > settings.IMPORT_BACKGROUND_ROWS
    job = ImportJob.objects.create(
        kind=kind,
        file_name=file_name[:255],
        content=content,
        headers=table.headers,
        total_rows=len(table.rows),
        runs_in_background=background,
        created_by=actor,
    )
    _run(job, "check")
    job.refresh_from_db()
    return job


def recheck_import(
    *, job: ImportJob, column_mapping: dict[str, str] | None = None
) -> bool:
    """Check the file again, with a new column mapping if given.

    Returns False if the job has moved on (applied, cancelled or running).
    """
    allowed = [ImportJob.Status.CHECKED, ImportJob.Status.FAILED]
    updates = {"status": ImportJob.Status.CHECKING, "failure": "", "processed_rows": 0}
    if column_mapping is not None:
        updates["column_mapping"] = column_mapping
    claimed = (
        ImportJob.objects.filter(pk=job.pk, status__in=allowed)
        .exclude(content=b"")
        .update(**updates)
    )
    if claimed:
        _run(job, "check")
    return bool(claimed)


def request_apply(*, job: ImportJob) -> bool:
    """Apply every valid row. Returns False if the job is not waiting for that.

    The status changes from checked to applying in one conditional update,
    so a double click or two people clicking at once applies it once.
    """
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.CHECKED, valid_rows__gt=0
    ).update(status=ImportJob.Status.APPLYING, processed_rows=0)
    if claimed:
        _run(job, "apply")
    return bool(claimed)


def cancel_import(*, job: ImportJob) -> bool:
    """Cancel a checked or failed job, importing nothing, and drop its file."""
    return bool(
        ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportJob.Status.CHECKED, ImportJob.Status.FAILED]
        ).update(status=ImportJob.Status.CANCELLED, content=b"")
    )


def _run(job: ImportJob, step: str) -> None:
    from clients import tasks

    if job.runs_in_background:
        task = tasks.check_import if step == "check" else tasks.apply_import
        transaction.on_commit(functools.partial(_queue, task, job))
        return
    # A small file is checked or applied in the request itself.
    if step == "check":
        runner.check_job(job_id=job.pk)
    else:
        runner.apply_job(job_id=job.pk)


NOT_QUEUED = (
    "The import could not start because the task queue is unavailable, so "
    "nothing was imported. Check the file again in a few minutes."
)


def _queue(task, job: ImportJob) -> None:
    if enqueue(task, job.pk):
        return
    # No sweep picks up a job that was never queued, so it fails at once
    # and the user can check it again later.
    ImportJob.objects.filter(pk=job.pk, status__in=ImportJob.ACTIVE_STATUSES).update(
        status=ImportJob.Status.FAILED, failure=NOT_QUEUED
    )
