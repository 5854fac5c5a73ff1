"""Matters: the list, the matter page, recording time, closing and promises."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from clients import services_matters
from clients.models import HourlyRate, Matter, TimeEntry
from clients.signals import matter_closed

from .auth import sign_in
from .factories import (
    ClientFactory,
    ContactFactory,
    HourlyRateFactory,
    MatterFactory,
    MatterTypeFactory,
    ServicePromiseFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # a Wednesday


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from django.utils import timezone

    now = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.fixture
def matter(client_org, lawyer):
    HourlyRateFactory(staff=lawyer, rate="80.00", effective_from=dt.date(2025, 4, 1))
    return MatterFactory(
        client=client_org,
        responsible_lawyer=lawyer,
        reference="LEG/0001",
        title="Lease of the sports hall",
    )


def signed_in(client, user):
    return sign_in(client, user)


# Who reaches which page
# ---------------------------------------------------------------------------

STAFF_PAGES = {
    "matter list": lambda m: reverse("clients:matter_list"),
    "matter page": lambda m: m.get_absolute_url(),
    "matter edit": lambda m: reverse("clients:matter_edit", args=[m.pk]),
    "matter close": lambda m: reverse("clients:matter_close", args=[m.pk]),
    "open a matter": lambda m: reverse("clients:matter_create"),
    "promises due": lambda m: reverse("clients:promises_due"),
    "matter export": lambda m: reverse("clients:matter_export", args=["csv"]),
    "promises export": lambda m: reverse("clients:promises_due_export", args=["xlsx"]),
    "timesheet": lambda m: reverse("clients:timesheet"),
}


@pytest.mark.parametrize("page", STAFF_PAGES)
@pytest.mark.parametrize(
    "role", ["lawyer", "practice_manager", "senior_legal_manager", "administrator"]
)
def test_staff_roles_reach_matter_pages(client, request, matter, page, role):
    signed_in(client, request.getfixturevalue(role))

    response = client.get(STAFF_PAGES[page](matter))

    assert response.status_code == 200


@pytest.mark.parametrize("page", STAFF_PAGES)
@pytest.mark.parametrize("role", ["portal_user", "other_portal_user"])
def test_portal_users_refused_matter_pages(client, request, matter, page, role):
    signed_in(client, request.getfixturevalue(role))

    response = client.get(STAFF_PAGES[page](matter))

    assert response.status_code == 403


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_anonymous_sent_to_sign_in(client, matter, page):
    response = client.get(STAFF_PAGES[page](matter))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_portal_user_cannot_record_time(client, portal_user, matter):
    signed_in(client, portal_user)

    response = client.post(
        reverse("clients:matter_quick_time", args=[matter.pk]),
        {
            "time-worked_on": "2026-03-10",
            "time-minutes": "30",
            "time-activity": "advice",
        },
    )

    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


def test_lawyer_cannot_edit_colleagues_time(client, lawyer, matter):
    entry = TimeEntryFactory(matter=matter)
    signed_in(client, lawyer)

    response = client.get(reverse("clients:time_entry_edit", args=[entry.pk]))

    assert response.status_code == 403


def test_manager_can_edit_colleagues_time(client, practice_manager, matter):
    entry = TimeEntryFactory(matter=matter)
    signed_in(client, practice_manager)

    response = client.get(reverse("clients:time_entry_edit", args=[entry.pk]))

    assert response.status_code == 200


def test_missing_matter_is_not_found(client, lawyer):
    signed_in(client, lawyer)

    response = client.get(reverse("clients:matter_detail", args=[999]))

    assert response.status_code == 404


# The list
# ---------------------------------------------------------------------------


def test_list_filters_by_lawyer_and_status(client, lawyer, practice_manager):
    mine = MatterFactory(responsible_lawyer=lawyer, reference="LEG/MINE")
    MatterFactory(responsible_lawyer=practice_manager, reference="LEG/THEIRS")
    MatterFactory(
        responsible_lawyer=lawyer,
        reference="LEG/CLOSED",
        status=Matter.Status.CLOSED,
        closed_on=dt.date(2026, 3, 5),
    )
    signed_in(client, lawyer)

    response = client.get(
        reverse("clients:matter_list"), {"lawyer": lawyer.pk, "status": "open"}
    )

    assert [m.reference for m, _state in response.context["rows"]] == [mine.reference]


def test_list_filters_promises_at_risk(client, lawyer):
    promise = ServicePromiseFactory(name="Acknowledge within 2 days", working_days=2)
    # Opened Monday 9 March: due Wednesday 11 March, which is today.
    at_risk = MatterFactory(
        reference="LEG/RISK",
        opened_on=dt.date(2026, 3, 9),
        service_promise=promise,
        target_date=dt.date(2026, 3, 11),
    )
    MatterFactory(
        reference="LEG/LATER",
        opened_on=dt.date(2026, 3, 9),
        service_promise=promise,
        target_date=dt.date(2026, 3, 30),
    )
    signed_in(client, lawyer)

    response = client.get(reverse("clients:matter_list"), {"promise": "at_risk"})

    assert [m.reference for m, _state in response.context["rows"]] == [
        at_risk.reference
    ]
    assert response.context["rows"][0][1] == Matter.PromiseState.AT_RISK


def test_list_search_matches_reference_and_client(client, lawyer):
    MatterFactory(reference="CMS-7781", client=ClientFactory(name="Budmouth Academy"))
    MatterFactory(reference="CMS-1000", title="Highways licence")
    signed_in(client, lawyer)

    by_reference = client.get(reverse("clients:matter_list"), {"q": "7781"})
    by_client = client.get(reverse("clients:matter_list"), {"q": "budmouth"})

    assert [m.reference for m, _s in by_reference.context["rows"]] == ["CMS-7781"]
    assert [m.reference for m, _s in by_client.context["rows"]] == ["CMS-7781"]


def test_list_sorts_by_reference(client, lawyer):
    for reference in ("B-2", "A-1", "C-3"):
        MatterFactory(reference=reference)
    signed_in(client, lawyer)

    response = client.get(reverse("clients:matter_list"), {"sort": "-reference"})

    references = [m.reference for m, _s in response.context["rows"]]
    assert references == ["C-3", "B-2", "A-1"]


def test_empty_list_offers_first_matter(client, practice_manager):
    signed_in(client, practice_manager)

    response = client.get(reverse("clients:matter_list"))

    assert "There are no matters yet." in response.content.decode()


def test_list_escapes_matter_title(client, lawyer):
    MatterFactory(title="<script>alert(1)</script>")
    signed_in(client, lawyer)

    response = client.get(reverse("clients:matter_list"))

    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


# Opening and editing
# ---------------------------------------------------------------------------


def test_open_matter_uses_client_override(client, lawyer, client_org):
    matter_type = MatterTypeFactory(name="Advice")
    agreed = ServicePromiseFactory(name="Advice within 5 working days", working_days=5)
    client_org.promise_overrides.create(matter_type=matter_type, promise=agreed)
    contact = ContactFactory(client=client_org)
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_create") + f"?client={client_org.pk}",
        {
            "reference": "LEG/0100",
            "title": "Admissions appeal",
            "client_contact": contact.pk,
            "matter_type": matter_type.pk,
            "responsible_lawyer": lawyer.pk,
            "opened_on": "2026-03-06",
            "is_chargeable": "on",
        },
    )

    assert response.status_code == 302
    matter = Matter.objects.get(reference="LEG/0100")
    assert matter.service_promise == agreed
    # Friday 6 March plus 5 working days is Friday 13 March.
    assert matter.target_date == dt.date(2026, 3, 13)
    assert matter.client_contact == contact
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, target_id=str(matter.pk)
    ).exists()


def test_open_matter_rejects_duplicate_reference(client, lawyer, matter):
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_create") + f"?client={matter.client_id}",
        {
            "reference": matter.reference,
            "title": "Second lease",
            "matter_type": matter.matter_type_id,
            "responsible_lawyer": lawyer.pk,
            "opened_on": "2026-03-06",
        },
    )

    assert response.status_code == 400
    assert "reference" in response.context["form"].errors
    assert response.context["form"]["title"].value() == "Second lease"


def test_open_matter_rejects_other_clients_contact(client, lawyer, client_org):
    stranger = ContactFactory(client=ClientFactory())
    matter_type = MatterTypeFactory()
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_create") + f"?client={client_org.pk}",
        {
            "reference": "LEG/0200",
            "title": "Lease",
            "client_contact": stranger.pk,
            "matter_type": matter_type.pk,
            "responsible_lawyer": lawyer.pk,
            "opened_on": "2026-03-06",
        },
    )

    assert response.status_code == 400
    assert "client_contact" in response.context["form"].errors


def test_choose_client_page_without_client(client, lawyer):
    signed_in(client, lawyer)

    response = client.get(reverse("clients:matter_create"))

    assert "choose_form" in response.context


# Recording time
# ---------------------------------------------------------------------------


def quick_time(client, matter, **fields):
    data = {
        "time-worked_on": "2026-03-10",
        "time-minutes": "45",
        "time-activity": "advice",
        "time-is_chargeable": "on",
        "time-note": "",
    }
    data.update({f"time-{key}": value for key, value in fields.items()})
    return client.post(reverse("clients:matter_quick_time", args=[matter.pk]), data)


def test_quick_time_copies_rate_in_force(client, lawyer, matter):
    HourlyRateFactory(staff=lawyer, rate="90.00", effective_from=dt.date(2026, 3, 11))
    signed_in(client, lawyer)

    response = quick_time(client, matter, minutes="1:30")

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.minutes == 90
    assert entry.hourly_rate == Decimal("80.00")
    assert entry.amount == Decimal("120.00")
    assert entry.staff == lawyer


def test_quick_time_invalid_keeps_typed_values(client, lawyer, matter):
    signed_in(client, lawyer)

    response = quick_time(client, matter, minutes="lots", note="Drafted the lease")

    assert response.status_code == 400
    form = response.context["time_form"]
    assert "minutes" in form.errors
    assert form["note"].value() == "Drafted the lease"
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("worked_on", "message"),
    [
        ("2026-03-12", "future"),
        ("2026-03-01", "opened on 02/03/2026"),
    ],
)
def test_quick_time_rejects_bad_dates(client, lawyer, matter, worked_on, message):
    signed_in(client, lawyer)

    response = quick_time(client, matter, worked_on=worked_on)

    assert response.status_code == 400
    assert message in " ".join(response.context["time_form"].errors["worked_on"])


def test_quick_time_needs_a_rate(client, practice_manager, matter):
    signed_in(client, practice_manager)

    response = quick_time(client, matter)

    assert response.status_code == 400
    errors = " ".join(response.context["time_form"].errors["worked_on"])
    assert "no hourly rate" in errors


def test_non_chargeable_time_without_rate(client, practice_manager, matter):
    signed_in(client, practice_manager)

    response = quick_time(client, matter, is_chargeable="")

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.is_chargeable is False
    assert entry.amount == Decimal("0.00")


def test_later_rate_change_keeps_past_entries(lawyer, matter):
    entry = services_matters.save_time_entry(
        entry=TimeEntry(
            matter=matter, staff=lawyer, worked_on=dt.date(2026, 3, 3), minutes=60
        ),
        actor=lawyer,
    )

    HourlyRate.objects.filter(staff=lawyer).update(rate=Decimal("200.00"))
    HourlyRateFactory(staff=lawyer, rate="150.00", effective_from=dt.date(2026, 3, 1))
    entry.refresh_from_db()

    assert entry.hourly_rate == Decimal("80.00")
    assert entry.amount == Decimal("80.00")


def test_matter_page_shows_time_totals(client, lawyer, matter):
    TimeEntryFactory(matter=matter, staff=lawyer, minutes=15, hourly_rate="27.50")
    TimeEntryFactory(matter=matter, staff=lawyer, minutes=15, hourly_rate="27.50")
    TimeEntryFactory(matter=matter, staff=lawyer, minutes=60, is_chargeable=False)
    signed_in(client, lawyer)

    response = client.get(matter.get_absolute_url())

    totals = response.context["totals"]
    assert totals["all_minutes"] == 90
    assert totals["chargeable_minutes"] == 30
    # Each 15-minute line is £6.88, and the total is the sum of the lines.
    assert totals["chargeable_amount"] == Decimal("13.76")
    assert "£13.76" in response.content.decode()


# Closing and the promise
# ---------------------------------------------------------------------------


def test_closing_sends_matter_closed_once(client, lawyer, matter):
    received = []

    def receiver(sender, matter, **kwargs):
        received.append((sender, matter.pk, matter.status))

    matter_closed.connect(receiver)
    try:
        signed_in(client, lawyer)
        response = client.post(
            reverse("clients:matter_close", args=[matter.pk]),
            {"closed_on": "2026-03-10"},
        )
        client.post(
            reverse("clients:matter_close", args=[matter.pk]),
            {"closed_on": "2026-03-10"},
        )
    finally:
        matter_closed.disconnect(receiver)

    assert response.status_code == 302
    assert received == [(Matter, matter.pk, Matter.Status.CLOSED)]
    matter.refresh_from_db()
    assert matter.closed_on == dt.date(2026, 3, 10)


def test_close_rejects_date_before_opening(client, lawyer, matter):
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_close", args=[matter.pk]), {"closed_on": "2026-02-01"}
    )

    assert response.status_code == 400
    matter.refresh_from_db()
    assert matter.status == Matter.Status.OPEN


def test_close_records_outcome(client, lawyer, matter):
    signed_in(client, lawyer)

    client.post(
        reverse("clients:matter_close", args=[matter.pk]),
        {"closed_on": "2026-03-10", "outcome": "partly_successful"},
    )

    matter.refresh_from_db()
    assert matter.outcome == Matter.Outcome.PARTLY_SUCCESSFUL


def test_close_rejects_unknown_outcome(client, lawyer, matter):
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_close", args=[matter.pk]),
        {"closed_on": "2026-03-10", "outcome": "triumphant"},
    )

    assert response.status_code == 400
    assert "outcome" in response.context["form"].errors


def test_reopening_clears_outcome(client, lawyer, matter):
    signed_in(client, lawyer)
    client.post(
        reverse("clients:matter_close", args=[matter.pk]),
        {"closed_on": "2026-03-10", "outcome": "successful"},
    )

    client.post(reverse("clients:matter_status", args=[matter.pk]), {"status": "open"})

    matter.refresh_from_db()
    assert matter.status == Matter.Status.OPEN
    assert matter.outcome == ""


def test_hold_and_reopen_matter(client, lawyer, matter):
    signed_in(client, lawyer)
    url = reverse("clients:matter_status", args=[matter.pk])

    client.post(url, {"status": "on_hold"})
    matter.refresh_from_db()
    on_hold = matter.status
    client.post(url, {"status": "open"})
    matter.refresh_from_db()

    assert on_hold == Matter.Status.ON_HOLD
    assert matter.status == Matter.Status.OPEN


def test_time_after_closing_rejected(client, lawyer, matter):
    services_matters.close_matter(
        matter=matter, closed_on=dt.date(2026, 3, 5), actor=lawyer
    )
    signed_in(client, lawyer)

    response = quick_time(client, matter, worked_on="2026-03-10")

    assert response.status_code == 400
    assert "closed on 05/03/2026" in " ".join(
        response.context["time_form"].errors["worked_on"]
    )


@pytest.mark.parametrize(
    ("target", "met_on", "expected"),
    [
        (None, None, Matter.PromiseState.NONE),
        (dt.date(2026, 3, 10), dt.date(2026, 3, 10), Matter.PromiseState.MET),
        (dt.date(2026, 3, 10), dt.date(2026, 3, 11), Matter.PromiseState.MISSED),
        (dt.date(2026, 3, 10), None, Matter.PromiseState.MISSED),
        (dt.date(2026, 3, 11), None, Matter.PromiseState.AT_RISK),
        (dt.date(2026, 3, 13), None, Matter.PromiseState.AT_RISK),
        (dt.date(2026, 3, 16), None, Matter.PromiseState.ON_TRACK),
    ],
)
def test_promise_state_on_wednesday(target, met_on, expected):
    matter = Matter(
        opened_on=dt.date(2026, 3, 2), target_date=target, promise_met_on=met_on
    )

    assert matter.promise_state(TODAY) == expected


def test_record_promise_met(client, lawyer, matter):
    matter.target_date = dt.date(2026, 3, 12)
    matter.save()
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_promise", args=[matter.pk]), {"met_on": "2026-03-11"}
    )

    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.promise_met_on == dt.date(2026, 3, 11)


def test_promise_met_rejects_future_date(client, lawyer, matter):
    signed_in(client, lawyer)

    response = client.post(
        reverse("clients:matter_promise", args=[matter.pk]), {"met_on": "2026-03-20"}
    )

    assert response.status_code == 400
    assert "met_on" in response.context["promise_form"].errors


def test_promises_due_lists_overdue_and_soon(client, lawyer):
    MatterFactory(reference="DUE-1", target_date=dt.date(2026, 3, 13))
    MatterFactory(reference="LATE-1", target_date=dt.date(2026, 3, 2))
    MatterFactory(reference="LATER", target_date=dt.date(2026, 3, 20))
    MatterFactory(
        reference="MET",
        target_date=dt.date(2026, 3, 12),
        promise_met_on=dt.date(2026, 3, 9),
    )
    signed_in(client, lawyer)

    response = client.get(reverse("clients:promises_due"))

    assert [m.reference for m, _s in response.context["rows"]] == ["LATE-1", "DUE-1"]


# Downloads of the lists
# ---------------------------------------------------------------------------


def test_matter_time_export_has_amounts(client, lawyer, matter):
    import csv
    import io

    TimeEntryFactory(
        matter=matter, staff=lawyer, minutes=50, hourly_rate="100.00", note="+44 call"
    )
    signed_in(client, lawyer)

    response = client.get(
        reverse("clients:matter_time_export", args=[matter.pk, "csv"])
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][4:8] == ["50", "Yes", "100.00", "83.33"]
    assert rows[1][8] == "'+44 call"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_client_export_follows_filters(client, lawyer):
    import csv
    import io

    ClientFactory(name="=Budmouth Academy", kind="school")
    ClientFactory(name="Casterbridge Borough Council", kind="other_authority")
    signed_in(client, lawyer)

    response = client.get(
        reverse("clients:client_export", args=["csv"]), {"kind": "school"}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'=Budmouth Academy"]


@pytest.mark.parametrize("role", ["portal_user", "other_portal_user"])
def test_portal_users_cannot_download_lists(client, request, matter, role):
    signed_in(client, request.getfixturevalue(role))

    for url in (
        reverse("clients:client_export", args=["xlsx"]),
        reverse("clients:matter_time_export", args=[matter.pk, "csv"]),
    ):
        assert client.get(url).status_code == 403, url


def test_admin_time_entry_copies_rate(client, administrator, lawyer, matter):
    sign_in(client, administrator)

    response = client.post(
        reverse("admin:clients_timeentry_add"),
        {
            "matter": matter.pk,
            "staff": lawyer.pk,
            "worked_on": "2026-03-10",
            "minutes": "30",
            "is_chargeable": "on",
            "activity": "advice",
            "note": "",
        },
    )

    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.hourly_rate == Decimal("80.00")
    assert entry.amount == Decimal("40.00")


def test_admin_time_entry_needs_rate(client, administrator, matter):
    sign_in(client, administrator)

    response = client.post(
        reverse("admin:clients_timeentry_add"),
        {
            "matter": matter.pk,
            "staff": administrator.pk,
            "worked_on": "2026-03-10",
            "minutes": "30",
            "is_chargeable": "on",
            "activity": "advice",
        },
    )

    assert response.status_code == 200
    assert "no hourly rate" in response.content.decode()
    assert not TimeEntry.objects.exists()
