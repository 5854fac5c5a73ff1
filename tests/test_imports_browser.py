"""A practice manager imports a month of work, fixes the rejected rows, and
issues and downloads the month's recharge statement, in Chromium."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Matter, RechargeStatement, TimeEntry

from .browser import PHONE_VIEWPORT, serious_accessibility_violations
from .factories import PASSWORD, ClientFactory, HourlyRateFactory, MatterTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def last_month():
    first_of_this_month = timezone.localdate().replace(day=1)
    return (first_of_this_month - dt.timedelta(days=1)).replace(day=1)


def csv_file(name, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}


def sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def upload(page, kind_label, file):
    page.goto(reverse("clients:import_create"))
    page.get_by_label("What the file contains").select_option(label=kind_label)
    page.locator("#id_file").set_input_files(file)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="What importing would do").wait_for()


@pytest.fixture
def service(lawyer):
    HourlyRateFactory(staff=lawyer, rate="80.00", effective_from=dt.date(2020, 1, 1))
    MatterTypeFactory(name="Advice")
    return ClientFactory(
        name="Highways and Transport",
        kind=Client.Kind.INTERNAL_SERVICE,
        cost_centre_code="WCC-PE-3100",
    )


def test_manager_imports_fixes_and_recharges(page, practice_manager, lawyer, service):
    month = last_month()
    opened = month.strftime("%d/%m/%Y")
    worked = (month + dt.timedelta(days=9)).strftime("%d/%m/%Y")
    sign_in(page, practice_manager.email)

    # The matters, all valid.
    upload(
        page,
        "Matters",
        csv_file(
            "matters.csv",
            [
                [
                    "Matter ref",
                    "Client",
                    "Title",
                    "Type",
                    "Fee earner email",
                    "Date opened",
                ],
                [
                    "HW/1",
                    "WCC-PE-3100",
                    "Road closure order",
                    "Advice",
                    lawyer.email,
                    opened,
                ],
                [
                    "HW/2",
                    "WCC-PE-3100",
                    "Bridge inspection contract",
                    "Advice",
                    lawyer.email,
                    opened,
                ],
            ],
        ),
    )
    assert_accessible(page)
    page.get_by_role("button", name="Import the 2 valid rows").click()
    page.get_by_text("Imported: 2 created").wait_for()
    assert Matter.objects.count() == 2

    # The time, with one row the check rejects.
    header = ["Case ref", "Fee earner email", "Date", "Minutes", "Rate"]
    good = [
        ["HW/1", lawyer.email, worked, "15", "£27.50"],
        ["HW/1", lawyer.email, worked, "15", "£27.50"],
    ]
    upload(
        page,
        "Time entries",
        csv_file(
            "time.csv",
            [header, *good, ["HW/2", lawyer.email, "31/31/2026", "50", "£100"]],
        ),
    )
    problems = page.locator("section", has=page.get_by_role("heading", name="Problems"))
    assert "31/31/2026" in problems.inner_text()
    row = problems.get_by_role("row").nth(1)
    assert row.get_by_role("cell").nth(0).inner_text() == "4"
    assert row.get_by_role("cell").nth(1).inner_text() == "Date"
    assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Import nothing").click()
    page.get_by_text("Nothing was imported").first.wait_for()
    assert not TimeEntry.objects.exists()

    # The corrected file: every row valid, and a second upload adds nothing.
    fixed = csv_file(
        "time.csv", [header, *good, ["HW/2", lawyer.email, worked, "50", "£100"]]
    )
    upload(page, "Time entries", fixed)
    page.get_by_role("button", name="Import the 3 valid rows").click()
    page.get_by_text("Imported: 3 created").wait_for()
    upload(page, "Time entries", fixed)
    page.get_by_role("button", name="Import the 3 valid rows").click()
    page.get_by_text("Imported: 0 created, 0 updated, 3 unchanged").wait_for()
    assert TimeEntry.objects.count() == 3

    # The month's statement: drafted, checked, issued and downloaded.
    page.get_by_role("link", name="Matters", exact=True).click()
    page.get_by_role("link", name="Recharges").click()
    page.locator("#id_draft-month").fill(month.strftime("%Y-%m"))
    page.get_by_role("button", name="Draft statements").click()
    page.get_by_role("link", name=month.strftime("%B %Y")).click()
    assert_accessible(page)
    assert "£97.09" in page.locator("main").inner_text()  # 6.88 + 6.88 + 83.33
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Issue statement").click()
    page.get_by_text("issued.").first.wait_for()
    statement = RechargeStatement.objects.get()
    assert statement.status == RechargeStatement.Status.ISSUED
    assert str(statement.total) == "97.09"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    rows = list(
        csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read()))
    )
    assert download.suggested_filename == f"recharge-WCC-PE-3100-{month:%Y-%m}.csv"
    assert rows[-1][2] == "Total"
    assert rows[-1][-1] == "97.09"
    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="XLSX").click()
    assert xlsx_info.value.suggested_filename.endswith(".xlsx")


def test_matter_pages_accessible_at_phone_width(
    page, practice_manager, lawyer, service
):
    from .factories import MatterFactory

    matter = MatterFactory(client=service, responsible_lawyer=lawyer, reference="HW/9")
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in(page, practice_manager.email)

    for url in (
        reverse("clients:matter_list"),
        matter.get_absolute_url(),
        reverse("clients:timesheet"),
        reverse("clients:promises_due"),
        reverse("clients:statement_list"),
        reverse("clients:import_list"),
        reverse("clients:import_create"),
    ):
        page.goto(url)
        assert_accessible(page)
