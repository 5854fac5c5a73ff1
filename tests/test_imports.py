"""Imports from CSV and XLSX: the dry run, applying valid rows, re-imports."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from clients import importing
from clients.importing import runner
from clients.importing.reading import ImportFileError
from clients.importing.time_entries import TimeEntryImporter
from clients.models import (
    Client,
    ClientPromiseOverride,
    Contact,
    ImportJob,
    Matter,
    MatterType,
    TimeEntry,
)

from .auth import sign_in
from .factories import (
    ClientFactory,
    HourlyRateFactory,
    MatterFactory,
    MatterTypeFactory,
    ServicePromiseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from django.utils import timezone

    now = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


def csv_bytes(rows, encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(kind, content, actor, file_name="file.csv"):
    """Check a file as the upload page does, and return the job."""
    return importing.start_import(
        kind=kind, file_name=file_name, content=content, actor=actor
    )


def apply(job):
    assert importing.request_apply(job=job)
    job.refresh_from_db()
    return job


def issues_of(job):
    return [(i.row_number, i.field, i.message) for i in job.issues.all()]


@pytest.fixture
def setup(practice_manager, lawyer):
    """Reference data a matters or time file refers to."""
    promise = ServicePromiseFactory(
        name="Advice within 10 working days", working_days=10
    )
    MatterTypeFactory(name="Advice", default_promise=promise)
    ClientFactory(
        name="Highways and Transport",
        kind=Client.Kind.INTERNAL_SERVICE,
        cost_centre_code="WCC-PE-3100",
    )
    HourlyRateFactory(staff=lawyer, rate="80.00", effective_from=dt.date(2025, 4, 1))
    return {"promise": promise}


MATTER_HEADER = [
    "Matter ref",
    "Client",
    "Title",
    "Type",
    "Fee earner email",
    "Date opened",
]


# Clients and contacts
# ---------------------------------------------------------------------------


def test_clients_with_welsh_names_and_parents(practice_manager, lawyer):
    content = csv_bytes(
        [
            ["Client name", "Type", "Part of", "Cost centre", "Owner email"],
            ["Ysgol Gymraeg Llanŵyr", "School or academy", "", "", lawyer.email],
            ["Children's Services", "Internal directorate", "", "WCC-CS-2000", ""],
            [
                "Children's Social Care",
                "service",
                "Children's Services",
                "WCC-CS-2100",
                "",
            ],
        ]
    )

    job = apply(run("clients", content, practice_manager))

    assert job.status == ImportJob.Status.APPLIED
    assert job.created_count == 3
    school = Client.objects.get(name="Ysgol Gymraeg Llanŵyr")
    assert school.relationship_owner == lawyer
    care = Client.objects.get(name="Children's Social Care")
    assert care.parent.name == "Children's Services"
    assert care.kind == Client.Kind.INTERNAL_SERVICE


def test_clients_reimport_creates_nothing(practice_manager):
    content = csv_bytes([["Name", "Kind"], ["Budmouth Academy", "School"]])
    apply(run("clients", content, practice_manager))

    second = apply(run("clients", content, practice_manager))

    assert (second.created_count, second.unchanged_count) == (0, 1)
    assert Client.objects.filter(name="Budmouth Academy").count() == 1


def test_contacts_matched_by_email(practice_manager):
    school = ClientFactory(name="Marlott Primary School")
    content = csv_bytes(
        [
            ["Client", "Name", "Email", "Job title", "Primary"],
            [
                "Marlott Primary School",
                "Siân O'Brien",
                "SIAN.OBRIEN@example.org",
                "Head teacher",
                "yes",
            ],
        ]
    )
    apply(run("contacts", content, practice_manager))
    changed = csv_bytes(
        [
            ["Client", "Name", "Email", "Job title", "Primary"],
            [
                "Marlott Primary School",
                "Siân O'Brien",
                "sian.obrien@example.org",
                "Executive head",
                "yes",
            ],
        ]
    )

    job = apply(run("contacts", changed, practice_manager))

    contact = Contact.objects.get()
    assert (job.created_count, job.updated_count) == (0, 1)
    assert contact.email == "sian.obrien@example.org"
    assert contact.job_title == "Executive head"
    assert contact.client == school
    assert contact.is_primary


def test_contacts_windows_1252_file(practice_manager):
    ClientFactory(name="Kingsbere Town Council")
    content = csv_bytes(
        [
            ["Client", "Name", "Email"],
            ["Kingsbere Town Council", "Zoë D'Arcy", "zoe@example.org"],
        ],
        encoding="cp1252",
    )

    apply(run("contacts", content, practice_manager))

    assert Contact.objects.get().full_name == "Zoë D'Arcy"


def test_contact_email_at_other_client_rejected(practice_manager):
    first = ClientFactory(name="First School")
    ClientFactory(name="Second School")
    Contact.objects.create(
        client=first, full_name="Gwen Davies", email="gwen@example.org"
    )
    content = csv_bytes(
        [
            ["Client", "Name", "Email"],
            ["Second School", "Gwen Davies", "gwen@example.org"],
        ]
    )

    job = run("contacts", content, practice_manager)

    assert issues_of(job) == [
        (
            2,
            "Email",
            "This email belongs to a contact at First School. Correct the email "
            "or the client.",
        )
    ]


# Matters: each kind of bad row
# ---------------------------------------------------------------------------


BAD_MATTER_ROWS = [
    (
        ["", "Highways and Transport", "Lease", "Advice", "L", "31/03/2026"],
        "Matter ref",
        "Enter the matter's reference.",
    ),
    (
        ["M-2", "Nowhere Council", "Lease", "Advice", "L", "31/03/2026"],
        "Client",
        "No client has the name or cost centre “Nowhere Council”. Import the "
        "clients first.",
    ),
    (
        ["M-3", "Highways and Transport", "Lease", "Advice", "L", "03/31/2026"],
        "Date opened",
        "“03/31/2026” is not a date. Enter it as day/month/year, such as 31/03/2026.",
    ),
    (
        [
            "M-4",
            "Highways and Transport",
            "Lease",
            "Advice",
            "nobody@example.org",
            "31/03/2026",
        ],
        "Fee earner email",
        "No member of the legal service has the email “nobody@example.org”.",
    ),
    (
        ["M-5", "Highways and Transport", "Lease", "Conveyancing", "L", "31/03/2026"],
        "Type",
        "“Conveyancing” is not a matter type. Use one of: ",
    ),
    (
        ["M-6", "Highways and Transport", "", "Advice", "L", "31/03/2026"],
        "Title",
        "Enter the matter's title.",
    ),
    (
        ["M-7", "Highways and Transport", "Lease", "Advice", "L", ""],
        "Date opened",
        "Enter the date the matter was opened.",
    ),
]


@pytest.mark.parametrize(("row", "field", "message"), BAD_MATTER_ROWS)
def test_bad_matter_row_reported(practice_manager, lawyer, setup, row, field, message):
    row = [lawyer.email if cell == "L" else cell for cell in row]
    good = [
        "M-1",
        "WCC-PE-3100",
        "Highways licence",
        "Advice",
        lawyer.email,
        "01/04/2026",
    ]

    job = run("matters", csv_bytes([MATTER_HEADER, good, row]), practice_manager)

    assert job.status == ImportJob.Status.CHECKED
    assert (job.valid_rows, job.invalid_rows) == (1, 1)
    [(number, actual_field, actual_message)] = issues_of(job)
    assert (number, actual_field) == (3, field)
    assert actual_message.startswith(message)
    assert not Matter.objects.exists()


def test_duplicate_reference_in_file_reported(practice_manager, lawyer, setup):
    row = [
        "M-1",
        "Highways and Transport",
        "Lease",
        "Advice",
        lawyer.email,
        "01/04/2026",
    ]

    job = run("matters", csv_bytes([MATTER_HEADER, row, row]), practice_manager)

    assert issues_of(job) == [(3, "Matter ref", "This also appears on row 2.")]


def test_closed_before_opened_reported(practice_manager, lawyer, setup):
    header = [*MATTER_HEADER, "Date closed"]
    row = [
        "M-1",
        "Highways and Transport",
        "Lease",
        "Advice",
        lawyer.email,
        "01/04/2026",
        "31/03/2026",
    ]

    job = run("matters", csv_bytes([header, row]), practice_manager)

    [(number, _field, message)] = issues_of(job)
    assert number == 2
    assert "on or after the opened date" in message


def test_matters_get_promise_and_target(practice_manager, lawyer, setup):
    highways = Client.objects.get(name="Highways and Transport")
    agreed = ServicePromiseFactory(name="Advice within 5 working days", working_days=5)
    ClientPromiseOverride.objects.create(
        client=highways,
        matter_type=MatterType.objects.get(name="Advice"),
        promise=agreed,
    )
    rows = [
        MATTER_HEADER,
        # Thursday 2 April 2026, before Easter: 5 working days is 13 April.
        [
            "HW/100",
            "Highways and Transport",
            "Road closure order",
            "advice",
            lawyer.email,
            "02/04/2026",
        ],
    ]

    job = apply(run("matters", csv_bytes(rows), practice_manager))

    matter = Matter.objects.get()
    assert job.created_count == 1
    assert matter.service_promise == agreed
    assert matter.target_date == dt.date(2026, 4, 13)
    assert matter.team == lawyer.profile.team


def test_imported_closed_matter_sends_no_signal(practice_manager, lawyer, setup):
    from clients.signals import matter_closed

    received = []
    matter_closed.connect(
        lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="t"
    )
    header = [*MATTER_HEADER, "Date closed"]
    row = [
        "HW/1",
        "Highways and Transport",
        "Lease",
        "Advice",
        lawyer.email,
        "01/04/2026",
        "10/04/2026",
    ]
    try:
        apply(run("matters", csv_bytes([header, row]), practice_manager))
    finally:
        matter_closed.disconnect(dispatch_uid="t")

    assert Matter.objects.get().status == Matter.Status.CLOSED
    assert received == []


# Time entries
# ---------------------------------------------------------------------------

TIME_HEADER = ["Case ref", "Fee earner email", "Date", "Minutes", "Rate", "Narrative"]


@pytest.fixture
def matter(setup, lawyer):
    return MatterFactory(
        client=Client.objects.get(name="Highways and Transport"),
        reference="HW/1",
        responsible_lawyer=lawyer,
        opened_on=dt.date(2026, 3, 2),
    )


def test_time_with_pound_signs_and_dates(practice_manager, lawyer, matter):
    rows = [
        TIME_HEADER,
        ["HW/1", lawyer.email, "31/03/2026", "15", "£27.50", "Call with O'Neill"],
        ["hw/1", lawyer.email, "01/04/2026", "50", "100", ""],
        ["HW/1", lawyer.email, "02/04/2026", "30", "", ""],
    ]

    job = apply(run("time_entries", csv_bytes(rows), practice_manager))

    assert job.created_count == 3
    entries = TimeEntry.objects.order_by("worked_on")
    assert [e.amount for e in entries] == [
        Decimal("6.88"),
        Decimal("83.33"),
        Decimal("40.00"),
    ]
    assert entries[2].hourly_rate == Decimal("80.00")
    assert entries[0].note == "Call with O'Neill"


BAD_TIME_ROWS = [
    (
        ["HW/9", "L", "31/03/2026", "15", "", ""],
        "Case ref",
        "No matter has the reference “HW/9”. Import the matters first.",
    ),
    (
        ["HW/1", "L", "31/03/2026", "a lot", "", ""],
        "Minutes",
        "“a lot” is not a number of minutes.",
    ),
    (
        ["HW/1", "L", "31/03/2026", "0", "", ""],
        "Minutes",
        "Enter between 1 and 1440 minutes (24 hours).",
    ),
    (
        ["HW/1", "L", "31/03/2026", "15", "£12.345", ""],
        "Rate",
        "“£12.345” is not an amount in pounds. Enter it as 85.00 or £85.00.",
    ),
    (
        ["HW/1", "L", "25/04/2026", "15", "", ""],
        "Date",
        "Time cannot be recorded for a future date.",
    ),
    (
        ["HW/1", "L", "01/03/2026", "15", "", ""],
        "Date",
        "The matter opened on 02/03/2026. Enter a date on or after that.",
    ),
    (
        ["HW/1", "M", "31/03/2026", "15", "", ""],
        "Date",
        "There is no hourly rate for this person on 31/03/2026. Ask an "
        "administrator to add one from that date or earlier.",
    ),
    (
        ["HW/1", "", "31/03/2026", "15", "", ""],
        "Fee earner email",
        "Enter the email of the person who did the work.",
    ),
]


@pytest.mark.parametrize(("row", "field", "message"), BAD_TIME_ROWS)
def test_bad_time_row_reported(practice_manager, lawyer, matter, row, field, message):
    emails = {"L": lawyer.email, "M": practice_manager.email}
    row = [emails.get(cell, cell) for cell in row]

    job = run("time_entries", csv_bytes([TIME_HEADER, row]), practice_manager)

    assert issues_of(job) == [(2, field, message)]


def test_reimport_creates_nothing_twice(practice_manager, lawyer, matter):
    rows = [
        TIME_HEADER,
        ["HW/1", lawyer.email, "31/03/2026", "6", "", "Phone call"],
        # The same call twice that day: two entries, not one.
        ["HW/1", lawyer.email, "31/03/2026", "6", "", "Phone call"],
        ["HW/1", lawyer.email, "01/04/2026", "30", "", "Drafting"],
    ]
    content = csv_bytes(rows)
    first = apply(run("time_entries", content, practice_manager))

    second = apply(run("time_entries", content, practice_manager))

    assert first.created_count == 3
    assert (second.created_count, second.updated_count, second.unchanged_count) == (
        0,
        0,
        3,
    )
    assert TimeEntry.objects.count() == 3


def test_reimport_by_reference_updates(practice_manager, lawyer, matter):
    header = ["Entry ID", *TIME_HEADER]
    apply(
        run(
            "time_entries",
            csv_bytes(
                [header, ["T-1", "HW/1", lawyer.email, "31/03/2026", "6", "", ""]]
            ),
            practice_manager,
        )
    )

    job = apply(
        run(
            "time_entries",
            csv_bytes(
                [header, ["T-1", "HW/1", lawyer.email, "31/03/2026", "12", "", ""]]
            ),
            practice_manager,
        )
    )

    assert (job.created_count, job.updated_count) == (0, 1)
    assert TimeEntry.objects.get().minutes == 12


def test_xlsx_with_date_cells_and_numbers(practice_manager, lawyer, matter):
    rows = [
        ["Matter reference", "Staff email", "Date", "Hours", "Chargeable"],
        ["HW/1", lawyer.email, dt.datetime(2026, 3, 31), 1.5, "No"],
        ["HW/1", lawyer.email, "01/04/2026", 0.25, "yes"],
    ]

    job = apply(run("time_entries", xlsx_bytes(rows), practice_manager, "time.xlsx"))

    assert job.created_count == 2
    entries = TimeEntry.objects.order_by("worked_on")
    assert [(e.minutes, e.is_chargeable) for e in entries] == [(90, False), (15, True)]


def test_unreadable_file_rejected(practice_manager):
    with pytest.raises(ImportFileError, match="not a readable XLSX workbook"):
        run(
            "clients",
            b"PK\x03\x04 not really a workbook",
            practice_manager,
            "broken.xlsx",
        )


def test_missing_required_column_reported(practice_manager, matter):
    content = csv_bytes([["Case ref", "Date", "Minutes"], ["HW/1", "31/03/2026", "15"]])

    job = run("time_entries", content, practice_manager)

    assert issues_of(job) == [
        (1, "Staff email", "No column is chosen for “Staff email”, which is required.")
    ]
    assert job.valid_rows == 0


def test_remapped_column_checked_again(practice_manager, lawyer, matter):
    content = csv_bytes(
        [
            ["Case ref", "Who", "Date", "Minutes"],
            ["HW/1", lawyer.email, "31/03/2026", "15"],
        ]
    )
    job = run("time_entries", content, practice_manager)
    mapping = {**job.column_mapping, "staff": "Who"}

    importing.recheck_import(job=job, column_mapping=mapping)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.CHECKED
    assert job.valid_rows == 1
    assert issues_of(job) == []


# Applying, cancelling and failing part way
# ---------------------------------------------------------------------------


def test_apply_skips_invalid_rows(practice_manager, lawyer, matter):
    rows = [
        TIME_HEADER,
        ["HW/1", lawyer.email, "31/03/2026", "15", "", ""],
        ["HW/1", lawyer.email, "31/03/2026", "lots", "", ""],
    ]

    job = apply(run("time_entries", csv_bytes(rows), practice_manager))

    assert (job.created_count, job.invalid_rows) == (1, 1)
    assert job.content == b""


def test_cancel_imports_nothing(practice_manager, lawyer, matter):
    rows = [TIME_HEADER, ["HW/1", lawyer.email, "31/03/2026", "15", "", ""]]
    job = run("time_entries", csv_bytes(rows), practice_manager)

    assert importing.cancel_import(job=job)
    assert not importing.request_apply(job=job)
    assert not TimeEntry.objects.exists()


def test_interrupted_import_writes_nothing(
    practice_manager, lawyer, matter, monkeypatch, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 10_000
    rows = [TIME_HEADER] + [
        ["HW/1", lawyer.email, "31/03/2026", str(n), "", ""] for n in range(1, 2501)
    ]
    job = run("time_entries", csv_bytes(rows), practice_manager)
    manager_class = type(TimeEntry.objects)
    real_bulk_create = manager_class.bulk_create

    def fail_after_first_batch(manager, objs, *args, **kwargs):
        # Write the first 1,000 rows, then fail as a lost connection would.
        real_bulk_create(manager, list(objs)[:1000], *args, **kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(manager_class, "bulk_create", fail_after_first_batch)
    assert importing.request_apply(job=job)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.FAILED
    assert "nothing was imported" in job.failure
    assert TimeEntry.objects.count() == 0


def test_failed_import_can_run_again(practice_manager, lawyer, matter, monkeypatch):
    rows = [TIME_HEADER, ["HW/1", lawyer.email, "31/03/2026", "15", "", ""]]
    job = run("time_entries", csv_bytes(rows), practice_manager)
    monkeypatch.setattr(TimeEntryImporter, "write", lambda self, planned: 1 / 0)
    importing.request_apply(job=job)
    monkeypatch.undo()
    job.refresh_from_db()

    importing.recheck_import(job=job)
    job = apply(ImportJob.objects.get(pk=job.pk))

    assert job.status == ImportJob.Status.APPLIED
    assert TimeEntry.objects.count() == 1


def test_large_file_queued_for_worker(
    practice_manager, lawyer, matter, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [TIME_HEADER] + [["HW/1", lawyer.email, "31/03/2026", "15", "", ""]] * 3

    with django_capture_on_commit_callbacks() as callbacks:
        job = run("time_entries", csv_bytes(rows), practice_manager)

    assert job.runs_in_background
    assert job.status == ImportJob.Status.CHECKING
    assert len(callbacks) == 1


# The pages
# ---------------------------------------------------------------------------


IMPORT_PAGES = {
    "list": lambda job: reverse("clients:import_list"),
    "upload": lambda job: reverse("clients:import_create"),
    "job": lambda job: job.get_absolute_url(),
    "problems csv": lambda job: reverse(
        "clients:import_issues_export", args=[job.pk, "csv"]
    ),
    "template": lambda job: reverse(
        "clients:import_template", args=["matters", "xlsx"]
    ),
}


@pytest.fixture
def job(practice_manager):
    return ImportJob.objects.create(
        kind=ImportJob.Kind.CLIENTS, file_name="clients.csv", content=b"Name\n"
    )


@pytest.mark.parametrize("page", IMPORT_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("practice_manager", 200),
        ("senior_legal_manager", 200),
        ("administrator", 200),
        ("lawyer", 403),
        ("portal_user", 403),
        ("other_portal_user", 403),
    ],
)
def test_import_pages_by_role(client, request, job, page, role, status):
    sign_in(client, request.getfixturevalue(role))

    response = client.get(IMPORT_PAGES[page](job))

    assert response.status_code == status


@pytest.mark.parametrize("page", IMPORT_PAGES)
def test_import_pages_need_sign_in(client, job, page):
    assert client.get(IMPORT_PAGES[page](job)).status_code == 302


def test_upload_page_shows_preview(client, practice_manager, lawyer, matter):
    client.force_login(practice_manager)
    content = csv_bytes(
        [
            TIME_HEADER,
            ["HW/1", lawyer.email, "31/03/2026", "15", "", ""],
            ["HW/1", lawyer.email, "31/13/2026", "15", "", ""],
        ]
    )

    response = client.post(
        reverse("clients:import_create"),
        {"kind": "time_entries", "file": SimpleUploadedFile("time.csv", content)},
        follow=True,
    )

    page = response.content.decode()
    assert "Import the 1 valid row, skipping 1" in page
    assert "“31/13/2026” is not a date" in page
    assert not TimeEntry.objects.exists()


def test_upload_rejects_other_file_types(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("clients:import_create"),
        {"kind": "clients", "file": SimpleUploadedFile("clients.pdf", b"%PDF")},
    )

    assert response.status_code == 400
    assert "Choose a .csv or .xlsx file." in response.context["form"].errors["file"]


def test_lawyer_cannot_apply_import(client, lawyer, practice_manager, matter):
    rows = [TIME_HEADER, ["HW/1", lawyer.email, "31/03/2026", "15", "", ""]]
    job = run("time_entries", csv_bytes(rows), practice_manager)
    client.force_login(lawyer)

    response = client.post(reverse("clients:import_apply", args=[job.pk]))

    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


def test_progress_refreshes_when_done(client, practice_manager, job):
    job.status = ImportJob.Status.CHECKED
    job.save()
    client.force_login(practice_manager)

    response = client.get(reverse("clients:import_progress", args=[job.pk]))

    assert response["HX-Refresh"] == "true"


def test_progress_shows_rows_done(client, practice_manager, job):
    ImportJob.objects.filter(pk=job.pk).update(
        status="checking", total_rows=4000, processed_rows=1000
    )
    client.force_login(practice_manager)

    response = client.get(reverse("clients:import_progress", args=[job.pk]))

    assert 'value="25"' in response.content.decode()
    assert "row 1000 of 4000" in response.content.decode()


def test_problems_download_neutralises_formulae(client, practice_manager, job):
    job.issues.create(
        row_number=2, field="Name", value="=cmd|' /C calc'!A0", message="Bad."
    )
    client.force_login(practice_manager)

    response = client.get(reverse("clients:import_issues_export", args=[job.pk, "csv"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["2", "Name", "'=cmd|' /C calc'!A0", "Bad."]


def test_evaluate_counts_rows(practice_manager, lawyer, matter):
    rows = [
        TIME_HEADER,
        ["HW/1", lawyer.email, "31/03/2026", "15", "", ""],
        ["", "", "", "", "", ""],
    ]
    job = run("time_entries", csv_bytes(rows), practice_manager)

    assert job.total_rows == 1
    assert runner.fields_of("time_entries")[0].key == "matter"


def test_import_list_downloads_as_csv(client, practice_manager):
    job = run(
        "clients",
        csv_bytes([["Name", "Kind"], ["=cmd()", "School"]]),
        practice_manager,
        file_name="=evil.csv",
    )
    client.force_login(practice_manager)

    response = client.get(reverse("clients:import_list_export", args=["csv"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response.status_code == 200
    assert rows[0][:2] == ["Started", "File"]
    assert rows[1][1] == "'=evil.csv"
    assert rows[1][4] == str(job.total_rows)


def test_import_list_download_refused_to_lawyer(client, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("clients:import_list_export", args=["xlsx"]))

    assert response.status_code == 403
