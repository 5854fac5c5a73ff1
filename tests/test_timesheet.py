"""The weekly timesheet: a grid of matters by days, saved in one submission."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.models import RechargeLine, RechargeStatement, TimeEntry

from .factories import HourlyRateFactory, MatterFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _friday(monkeypatch):
    from django.utils import timezone

    now = dt.datetime(2026, 3, 13, 16, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.fixture
def matters(lawyer):
    HourlyRateFactory(staff=lawyer, rate="60.00", effective_from=dt.date(2025, 1, 1))
    HourlyRateFactory(staff=lawyer, rate="66.00", effective_from=dt.date(2026, 3, 11))
    return [
        MatterFactory(responsible_lawyer=lawyer, reference="TS-1"),
        MatterFactory(responsible_lawyer=lawyer, reference="TS-2"),
    ]


def cell(matter, day):
    return f"cell-{matter.pk}-{day:%Y%m%d}"


def url(staff=None, week=MONDAY):
    params = f"?week={week.isoformat()}"
    if staff is not None:
        params += f"&staff={staff.pk}"
    return reverse("clients:timesheet") + params


def test_grid_lists_own_open_matters(client, lawyer, matters):
    client.force_login(lawyer)

    response = client.get(url())

    assert [m.reference for m in response.context["form"].matters] == ["TS-1", "TS-2"]
    assert len(response.context["days"]) == 7


def test_week_saves_every_cell_at_once(client, lawyer, matters):
    first, second = matters
    client.force_login(lawyer)

    response = client.post(
        url(),
        {
            cell(first, MONDAY): "60",
            cell(first, MONDAY + dt.timedelta(days=2)): "1:30",
            cell(second, MONDAY + dt.timedelta(days=1)): "15",
        },
    )

    assert response.status_code == 302
    entries = TimeEntry.objects.order_by("worked_on")
    assert [(e.matter.reference, e.minutes) for e in entries] == [
        ("TS-1", 60),
        ("TS-2", 15),
        ("TS-1", 90),
    ]
    assert all(entry.from_timesheet for entry in entries)
    # The rate changed on Wednesday 11 March.
    assert [e.hourly_rate for e in entries] == [
        Decimal("60.00"),
        Decimal("60.00"),
        Decimal("66.00"),
    ]


def test_invalid_cells_kept_valid_saved(client, lawyer, matters):
    first, second = matters
    client.force_login(lawyer)
    bad = cell(second, MONDAY)
    future = cell(first, MONDAY + dt.timedelta(days=6))

    response = client.post(
        url(),
        {cell(first, MONDAY): "45", bad: "two hours", future: "30"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert bad in form.errors
    assert future in form.errors
    assert form[bad].value() == "two hours"
    assert list(TimeEntry.objects.values_list("minutes", flat=True)) == [45]


def test_changed_cell_updates_its_entry(client, lawyer, matters):
    first, _second = matters
    client.force_login(lawyer)
    client.post(url(), {cell(first, MONDAY): "45"})

    client.post(url(), {cell(first, MONDAY): "30"})

    assert list(TimeEntry.objects.values_list("minutes", flat=True)) == [30]


def test_cleared_cell_deletes_its_entry(client, lawyer, matters):
    first, _second = matters
    client.force_login(lawyer)
    client.post(url(), {cell(first, MONDAY): "45"})

    client.post(url(), {cell(first, MONDAY): ""})

    assert not TimeEntry.objects.exists()


def test_cell_total_includes_other_entries(client, lawyer, matters):
    first, _second = matters
    TimeEntryFactory(matter=first, staff=lawyer, worked_on=MONDAY, minutes=20)
    client.force_login(lawyer)

    shown = client.get(url()).context["form"].initial[cell(first, MONDAY)]
    client.post(url(), {cell(first, MONDAY): "50"})

    assert shown == 20
    own = TimeEntry.objects.get(from_timesheet=True)
    assert own.minutes == 30


def test_cell_below_other_entries_rejected(client, lawyer, matters):
    first, _second = matters
    TimeEntryFactory(matter=first, staff=lawyer, worked_on=MONDAY, minutes=20)
    client.force_login(lawyer)

    response = client.post(url(), {cell(first, MONDAY): "10"})

    assert response.status_code == 400
    assert "already record 20 minutes" in " ".join(
        response.context["form"].errors[cell(first, MONDAY)]
    )


def test_new_row_adds_matter_by_reference(client, lawyer, matters, practice_manager):
    other = MatterFactory(responsible_lawyer=practice_manager, reference="OTHER-9")
    client.force_login(lawyer)

    response = client.post(
        url(),
        {"reference-new0": "other-9", f"cell-new0-{MONDAY:%Y%m%d}": "25"},
    )

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.matter == other
    assert entry.staff == lawyer


def test_new_row_unknown_reference_rejected(client, lawyer, matters):
    client.force_login(lawyer)

    response = client.post(
        url(),
        {"reference-new0": "NOPE-1", f"cell-new0-{MONDAY:%Y%m%d}": "25"},
    )

    assert response.status_code == 400
    assert "reference-new0" in response.context["form"].errors
    assert response.context["form"][f"cell-new0-{MONDAY:%Y%m%d}"].value() == "25"


def test_recharged_cell_cannot_change(client, lawyer, matters):
    first, _second = matters
    client.force_login(lawyer)
    client.post(url(), {cell(first, MONDAY): "45"})
    entry = TimeEntry.objects.get()
    statement = RechargeStatement.objects.create(
        client=first.client, month=dt.date(2026, 3, 1), status="issued"
    )
    RechargeLine.objects.create(
        statement=statement,
        time_entry=entry,
        matter=first,
        staff=lawyer,
        worked_on=entry.worked_on,
        minutes=45,
        hourly_rate=entry.hourly_rate,
        amount=entry.amount,
    )

    response = client.post(url(), {cell(first, MONDAY): "30"})

    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.minutes == 45


def test_lawyer_cannot_open_colleagues_week(client, lawyer, practice_manager):
    client.force_login(lawyer)

    response = client.get(url(staff=practice_manager))

    assert response.status_code == 403


def test_manager_opens_lawyers_week(client, lawyer, practice_manager, matters):
    client.force_login(practice_manager)

    response = client.get(url(staff=lawyer))

    assert response.status_code == 200
    assert response.context["staff"] == lawyer


def test_bad_week_shows_this_week(client, lawyer, matters):
    client.force_login(lawyer)

    response = client.get(reverse("clients:timesheet") + "?week=soon")

    assert response.context["monday"] == MONDAY
