"""A practice manager reviews the KPIs in Chromium and downloads a spreadsheet."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kpis import services
from kpis.periods import Period, PeriodKind

from .browser import serious_accessibility_violations
from .factories import PASSWORD, MatterFactory, TimeEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def recorded_time(practice_manager, seeded_kpi_definitions):
    today = timezone.localdate()
    matter = MatterFactory(team=practice_manager.profile.team)
    TimeEntryFactory(matter=matter, staff=practice_manager, worked_on=today, minutes=90)
    services.rollup(periods=Period.containing(PeriodKind.MONTH, today).recent(2))


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_manager_drills_into_kpi_and_exports(page, practice_manager, recorded_time):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(practice_manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="KPIs", exact=True).click()
    page.wait_for_url(f"**{reverse('kpis:overview')}")
    assert page.get_by_role("heading", name="Chargeable hours").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Chargeable hours").click()
    page.wait_for_url(f"**{reverse('kpis:detail', args=['chargeable_hours'])}*")
    chart = page.locator("#kpi-trend")
    chart.wait_for(state="visible")
    page.wait_for_function(
        "document.getElementById('kpi-trend').dataset.kpiChartReady !== undefined"
    )
    table = page.get_by_role("table", name="Chargeable hours over the last 12 periods")
    assert "1.50 h" in table.inner_text()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet.max_row == 13
    assert download.suggested_filename == "kpi-chargeable_hours.xlsx"
