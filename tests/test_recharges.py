"""Monthly recharge statements: drafting, issuing, late time and downloads."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from clients import services_matters, services_recharges
from clients.models import Client, RechargeLine, RechargeStatement, TimeEntry

from .auth import sign_in
from .factories import ClientFactory, HourlyRateFactory, MatterFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _mid_may(monkeypatch):
    from django.utils import timezone

    now = dt.datetime(2026, 5, 14, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.fixture
def highways(db):
    return ClientFactory(
        name="Highways and Transport",
        kind=Client.Kind.INTERNAL_SERVICE,
        cost_centre_code="WCC-PE-3100",
    )


@pytest.fixture
def matter(highways, lawyer):
    return MatterFactory(client=highways, responsible_lawyer=lawyer, reference="HW/1")


def add_time(matter, staff, day, minutes, rate="27.50", **extra):
    return TimeEntryFactory(
        matter=matter,
        staff=staff,
        worked_on=day,
        minutes=minutes,
        hourly_rate=rate,
        **extra,
    )


def draft(month, actor):
    return services_recharges.draft_statements(month=month, actor=actor)


# Drafting
# ---------------------------------------------------------------------------


def test_draft_only_internal_clients_with_time(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 30)
    school_matter = MatterFactory(client=ClientFactory(kind=Client.Kind.SCHOOL))
    add_time(school_matter, lawyer, dt.date(2026, 3, 3), 30)
    idle = ClientFactory(kind=Client.Kind.INTERNAL_SERVICE, cost_centre_code="WCC-X")
    MatterFactory(client=idle)

    created = draft(MARCH, practice_manager)

    assert [s.client.name for s in created] == ["Highways and Transport"]
    assert created[0].status == RechargeStatement.Status.DRAFT


def test_draft_twice_creates_nothing_twice(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 30)

    draft(MARCH, practice_manager)
    second = draft(MARCH, practice_manager)

    assert second == []
    assert RechargeStatement.objects.count() == 1


def test_draft_future_month_rejected(practice_manager):
    with pytest.raises(ValidationError):
        draft(dt.date(2026, 6, 1), practice_manager)


def test_lines_grouped_and_summed(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 15)
    add_time(matter, lawyer, dt.date(2026, 3, 4), 15)
    add_time(matter, lawyer, dt.date(2026, 3, 5), 60, is_chargeable=False)
    add_time(matter, lawyer, dt.date(2026, 4, 2), 60)
    [statement] = draft(MARCH, practice_manager)

    contents = services_recharges.statement_contents(statement)

    [group] = contents.groups
    assert [line.amount for line in group.lines] == [Decimal("6.88"), Decimal("6.88")]
    assert group.amount == Decimal("13.76")
    assert contents.total == Decimal("13.76")
    assert contents.adjustments == []


# Issuing and late time
# ---------------------------------------------------------------------------


def test_issued_statement_never_changes(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 50, rate="100.00")
    [statement] = draft(MARCH, practice_manager)
    services_recharges.issue_statement(statement=statement, actor=practice_manager)

    late = add_time(matter, lawyer, dt.date(2026, 3, 20), 60, rate="100.00")
    statement.refresh_from_db()
    contents = services_recharges.statement_contents(statement)

    assert statement.status == RechargeStatement.Status.ISSUED
    assert statement.total == Decimal("83.33")
    assert contents.total == Decimal("83.33")
    assert late.pk not in [line.time_entry_id for line in contents.lines]


def test_late_time_goes_on_next_statement(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 60, rate="80.00")
    [march] = draft(MARCH, practice_manager)
    services_recharges.issue_statement(statement=march, actor=practice_manager)
    late = add_time(matter, lawyer, dt.date(2026, 3, 20), 30, rate="80.00")
    add_time(matter, lawyer, dt.date(2026, 4, 8), 15, rate="80.00")

    [april] = draft(APRIL, practice_manager)
    contents = services_recharges.statement_contents(april)
    services_recharges.issue_statement(statement=april, actor=practice_manager)

    [adjustment] = contents.adjustments
    assert adjustment.time_entry_id == late.pk
    assert adjustment.worked_on == dt.date(2026, 3, 20)
    assert adjustment.amount == Decimal("40.00")
    assert contents.time_amount == Decimal("20.00")
    assert contents.total == Decimal("60.00")
    line = RechargeLine.objects.get(time_entry=late)
    assert line.statement == april
    assert line.is_adjustment


def test_recharged_entry_cannot_be_edited(practice_manager, matter, lawyer):
    HourlyRateFactory(staff=lawyer)
    entry = add_time(matter, lawyer, dt.date(2026, 3, 3), 60)
    [statement] = draft(MARCH, practice_manager)
    services_recharges.issue_statement(statement=statement, actor=practice_manager)
    entry = TimeEntry.objects.get(pk=entry.pk)

    entry.minutes = 5
    with pytest.raises(ValidationError, match="issued recharge statement"):
        services_matters.save_time_entry(entry=entry, actor=lawyer)
    with pytest.raises(ValidationError):
        services_matters.delete_time_entry(entry=entry, actor=lawyer)


def test_issue_twice_rejected(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 60)
    [statement] = draft(MARCH, practice_manager)
    services_recharges.issue_statement(statement=statement, actor=practice_manager)

    with pytest.raises(ValidationError, match="already been issued"):
        services_recharges.issue_statement(statement=statement, actor=practice_manager)
    assert RechargeLine.objects.count() == 1


def test_months_issued_out_of_order(practice_manager, matter, lawyer):
    march_entry = add_time(matter, lawyer, dt.date(2026, 3, 3), 60)
    april_entry = add_time(matter, lawyer, dt.date(2026, 4, 3), 30)
    [march] = draft(MARCH, practice_manager)
    [april] = draft(APRIL, practice_manager)

    services_recharges.issue_statement(statement=april, actor=practice_manager)
    services_recharges.issue_statement(statement=march, actor=practice_manager)

    assert RechargeLine.objects.get(time_entry=march_entry).statement == march
    assert RechargeLine.objects.get(time_entry=april_entry).statement == april
    assert RechargeLine.objects.count() == 2


def test_unissued_month_not_an_adjustment(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 60)
    add_time(matter, lawyer, dt.date(2026, 4, 3), 30)

    [april] = draft(APRIL, practice_manager)
    contents = services_recharges.statement_contents(april)

    assert contents.adjustments == []
    assert [line.worked_on for line in contents.lines] == [dt.date(2026, 4, 3)]


def test_empty_draft_cannot_be_issued(practice_manager, highways):
    statement = RechargeStatement.objects.create(client=highways, month=MARCH)

    with pytest.raises(ValidationError, match="no chargeable time"):
        services_recharges.issue_statement(statement=statement, actor=practice_manager)


# Pages and downloads
# ---------------------------------------------------------------------------


@pytest.fixture
def statement(practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 3, 3), 15)
    add_time(matter, lawyer, dt.date(2026, 3, 4), 15)
    [statement] = draft(MARCH, practice_manager)
    return statement


STATEMENT_PAGES = {
    "list": lambda s: reverse("clients:statement_list"),
    "list csv": lambda s: reverse("clients:statement_list_export", args=["csv"]),
    "statement": lambda s: s.get_absolute_url(),
    "print": lambda s: reverse("clients:statement_print", args=[s.pk]),
    "csv": lambda s: reverse("clients:statement_export", args=[s.pk, "csv"]),
    "xlsx": lambda s: reverse("clients:statement_export", args=[s.pk, "xlsx"]),
    "delete": lambda s: reverse("clients:statement_delete", args=[s.pk]),
}


@pytest.mark.parametrize("page", STATEMENT_PAGES)
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
def test_statement_pages_by_role(client, request, statement, page, role, status):
    sign_in(client, request.getfixturevalue(role))

    response = client.get(STATEMENT_PAGES[page](statement))

    assert response.status_code == status


@pytest.mark.parametrize("page", STATEMENT_PAGES)
def test_statement_pages_need_sign_in(client, statement, page):
    response = client.get(STATEMENT_PAGES[page](statement))

    assert response.status_code == 302


def test_lawyer_cannot_issue(client, lawyer, statement):
    client.force_login(lawyer)

    response = client.post(reverse("clients:statement_issue", args=[statement.pk]))

    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.status == RechargeStatement.Status.DRAFT


def test_manager_issues_from_page(client, practice_manager, statement):
    client.force_login(practice_manager)

    response = client.post(reverse("clients:statement_issue", args=[statement.pk]))

    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.total == Decimal("13.76")


def test_draft_form_rejects_future_month(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("clients:statement_draft"), {"draft-month": "2026-07"}
    )

    assert response.status_code == 400
    assert "month" in response.context["draft_form"].errors


def test_draft_form_drafts_month(client, practice_manager, matter, lawyer):
    add_time(matter, lawyer, dt.date(2026, 4, 3), 30)
    client.force_login(practice_manager)

    response = client.post(
        reverse("clients:statement_draft"), {"draft-month": "2026-04"}
    )

    assert response.status_code == 302
    assert RechargeStatement.objects.get().month == APRIL


def test_statement_csv_keeps_numbers(client, practice_manager, statement, matter):
    matter.title = '=HYPERLINK("http://example.org")'
    matter.save()
    client.force_login(practice_manager)

    response = client.get(
        reverse("clients:statement_export", args=[statement.pk, "csv"])
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Statement", "Cost centre", "Line"]
    assert rows[1][3] == "03/03/2026"
    assert rows[1][5] == '\'=HYPERLINK("http://example.org")'
    assert rows[1][7:] == ["15", "27.50", "6.88"]
    assert rows[-1][2] == "Total"
    assert rows[-1][-1] == "13.76"
    assert response["Content-Disposition"].endswith('-draft.csv"')


def test_statement_xlsx_has_typed_cells(client, practice_manager, statement, matter):
    matter.title = "@SUM(A1)"
    matter.save()
    client.force_login(practice_manager)

    response = client.get(
        reverse("clients:statement_export", args=[statement.pk, "xlsx"])
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["F2"].value == "'@SUM(A1)"
    assert sheet["F2"].data_type == "s"
    assert sheet["H2"].value == 15
    assert sheet["J2"].value == Decimal("6.88") or sheet["J2"].value == 6.88
    assert sheet["D2"].is_date
    assert sheet["J4"].value in (Decimal("13.76"), 13.76)


def test_print_view_shows_draft_warning(client, practice_manager, statement):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:statement_print", args=[statement.pk]))

    assert "DRAFT, not yet issued" in response.content.decode()
    assert "£13.76" in response.content.decode()


def test_delete_draft_after_confirmation(client, practice_manager, statement):
    client.force_login(practice_manager)

    client.post(reverse("clients:statement_delete", args=[statement.pk]))

    assert not RechargeStatement.objects.exists()


def test_list_shows_draft_total(client, practice_manager, statement):
    client.force_login(practice_manager)

    response = client.get(reverse("clients:statement_list"))

    assert response.context["rows"] == [(statement, Decimal("13.76"))]
