"""A large import checked and applied by a real Celery worker, with progress."""

import csv
import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import ImportJob, TimeEntry

from .factories import HourlyRateFactory, MatterFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROWS = 2_500
DEADLINE_SECONDS = 90


def wait_for_status(job, statuses, worker):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        worker.fail_if_exited(f"import job {job.pk} to reach {statuses}")
        if time.monotonic() > deadline:
            pytest.fail(f"Job {job.pk} still {job.status}. Worker log:\n{worker.log()}")
        time.sleep(0.2)


def test_worker_checks_and_applies_large_file(
    client, practice_manager, lawyer, start_live_worker, celery_app_on_redis
):
    worker = start_live_worker()
    HourlyRateFactory(staff=lawyer, rate="80.00", effective_from=dt.date(2020, 1, 1))
    MatterFactory(
        reference="BIG/1", responsible_lawyer=lawyer, opened_on=dt.date(2025, 1, 6)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Matter reference", "Staff email", "Date", "Minutes"])
    for n in range(ROWS):
        writer.writerow(["BIG/1", lawyer.email, "06/01/2025", str(n % 90 + 1)])
    writer.writerow(["BIG/1", lawyer.email, "not a date", "15"])
    client.force_login(practice_manager)

    response = client.post(
        reverse("clients:import_create"),
        {
            "kind": "time_entries",
            "file": SimpleUploadedFile("big.csv", buffer.getvalue().encode()),
        },
    )
    job = ImportJob.objects.get()
    job = wait_for_status(job, {ImportJob.Status.CHECKED}, worker)
    client.post(reverse("clients:import_apply", args=[job.pk]))
    job = wait_for_status(
        job, {ImportJob.Status.APPLIED, ImportJob.Status.FAILED}, worker
    )

    assert response.status_code == 302
    assert job.runs_in_background
    assert job.status == ImportJob.Status.APPLIED, job.failure
    assert (job.created_count, job.invalid_rows) == (ROWS, 1)
    assert TimeEntry.objects.count() == ROWS
