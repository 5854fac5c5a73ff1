"""Time the check and the apply of an import of 10,000 time entries.

Run from the top of the checkout:

    .venv/bin/python bench/import_time_entries.py [--rows 10000] [--xlsx]

It builds a new SQLite database in a temporary folder, so it never touches
``var/`` or a configured database. It adds 20 lawyers with rates and 500
matters and writes a file of time entries as a case management system would.
Then it runs the two steps a Celery worker runs, ``check_job`` (the dry run)
and ``apply_job``, and prints the seconds each took and the total.

``measure(rows)`` runs the same steps on the database Django is already
configured with, inside a transaction that it rolls back, so that
``bench/run.py`` can time the import on a benchmark database and leave it as
it was.
"""

import argparse
import csv
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LAWYERS = 20
MATTERS = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=10_000, help="number of time entries in the file"
    )
    parser.add_argument(
        "--xlsx", action="store_true", help="import an XLSX file instead of a CSV file"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="legal-crm-bench-") as folder:
        _set_up_django(folder)
        result = measure(args.rows, xlsx=args.xlsx)
    print(
        f"{result['rows']} time entries from {result['file']} ({result['kib']:.0f} KiB)"
    )
    print(f"check (dry run): {result['check_seconds']:.1f} s")
    print(f"apply (check again and write): {result['apply_seconds']:.1f} s")
    print(f"total: {result['total_seconds']:.1f} s")


class _RollBack(Exception):
    """Raised to leave the transaction of ``measure`` without keeping its rows."""


def measure(rows: int = 10_000, *, xlsx: bool = False) -> dict:
    """Time the check and apply of ``rows`` time entries; keep none of them.

    Returns the file name and size and the seconds of each step. Raises
    ``RuntimeError`` if the import did not apply every row.
    """
    from django.db import transaction

    try:
        with transaction.atomic():
            actor, references, emails = _reference_data()
            content, name = _file(rows, references, emails, xlsx=xlsx)
            result = _run(content, name, actor, rows)
            raise _RollBack
    except _RollBack:
        pass
    return result


def _set_up_django(folder: str) -> None:
    os.environ["VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(PROJECT_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _reference_data():
    from decimal import Decimal

    from accounts.models import StaffProfile, User
    from accounts.roles import Role
    from clients.models import Client, HourlyRate, Matter, MatterType

    group = Role.LAWYER.group()
    lawyers = User.objects.bulk_create(
        [
            User(email=f"lawyer{n}@example.org", full_name=f"Lawyer {n}")
            for n in range(LAWYERS)
        ]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in lawyers]
    )
    StaffProfile.objects.bulk_create([StaffProfile(user=u) for u in lawyers])
    HourlyRate.objects.bulk_create(
        [
            HourlyRate(staff=u, rate=Decimal("70.00") + n, effective_from=day)
            for n, u in enumerate(lawyers)
            for day in (dt.date(2024, 4, 1), dt.date(2025, 4, 1))
        ]
    )
    client = Client.objects.create(
        name="Highways", kind=Client.Kind.INTERNAL_SERVICE, cost_centre_code="HW-1"
    )
    matter_type = MatterType.objects.get_or_create(name="Advice")[0]
    matters = Matter.objects.bulk_create(
        [
            Matter(
                client=client,
                reference=f"HW/{n:05d}",
                title=f"Matter {n}",
                matter_type=matter_type,
                responsible_lawyer=lawyers[n % LAWYERS],
                opened_on=dt.date(2025, 1, 6),
            )
            for n in range(MATTERS)
        ]
    )
    return lawyers[0], [m.reference for m in matters], [u.email for u in lawyers]


def _file(rows, references, emails, *, xlsx):
    header = ["Case ref", "Fee earner email", "Date", "Minutes", "Rate", "Narrative"]
    first_day = dt.date(2025, 1, 6)
    body = [
        [
            references[n % len(references)],
            emails[n % len(emails)],
            (first_day + dt.timedelta(days=n % 360)).strftime("%d/%m/%Y"),
            str(6 * (n % 20 + 1)),
            "£85.00" if n % 3 == 0 else "",
            f"Work item {n} for O'Neill",
        ]
        for n in range(rows)
    ]
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for row in body:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), "time.xlsx"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue().encode("utf-8-sig"), "time.csv"


def _run(content, name, actor, rows):
    from clients.importing import runner
    from clients.models import ImportJob, TimeEntry

    job = ImportJob.objects.create(
        kind=ImportJob.Kind.TIME_ENTRIES,
        file_name=name,
        content=content,
        created_by=actor,
    )
    started = time.perf_counter()
    job = runner.check_job(job_id=job.pk)
    checked = time.perf_counter()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)
    job = runner.apply_job(job_id=job.pk)
    applied = time.perf_counter()

    imported = TimeEntry.objects.filter(matter__reference__startswith="HW/").count()
    if job.status != ImportJob.Status.APPLIED or imported != rows:
        raise RuntimeError(
            f"The import did not apply every row: {job.status} {job.failure}"
        )
    return {
        "rows": rows,
        "file": name,
        "kib": round(len(content) / 1024, 1),
        "check_seconds": round(checked - started, 2),
        "apply_seconds": round(applied - checked, 2),
        "total_seconds": round(applied - started, 2),
    }


if __name__ == "__main__":
    main()
