"""KPI dashboards: who may open them, what they show, exports and forms."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from clients.models import Matter, MatterType, TimeEntry
from kpis import services
from kpis.models import Benchmark, KpiDefinition, KpiRecord, ServiceCost
from kpis.periods import Period, PeriodKind

from .auth import sign_in
from .factories import (
    ClientFactory,
    KeyAccountFactory,
    KpiDefinitionFactory,
    KpiRecordFactory,
    StaffFactory,
    TeamFactory,
)

pytestmark = pytest.mark.usefixtures("seeded_kpi_definitions")

OCTOBER = Period(PeriodKind.MONTH, dt.date(2026, 10, 1))
OCTOBER_QUERY = "?kind=month&on=2026-10-15"


def dashboard_urls():
    return [
        reverse("kpis:overview"),
        reverse("kpis:overview") + "?print=1",
        reverse("kpis:overview_export", args=["csv"]),
        reverse("kpis:detail", args=["csat"]),
        reverse("kpis:detail_export", args=["csat", "xlsx"]),
        reverse("kpis:rows", args=["csat"]),
        reverse("kpis:scorecard_list"),
        reverse("kpis:recompute"),
        reverse("kpis:benchmark_import"),
        reverse("kpis:benchmark_add", args=["csat"]),
        reverse("kpis:costs"),
    ]


# Permissions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_fixture", "status"),
    [
        ("practice_manager", 200),
        ("senior_legal_manager", 200),
        ("administrator", 200),
        ("lawyer", 403),
        ("portal_user", 403),
        ("other_portal_user", 403),
    ],
)
def test_dashboard_access_by_role(client, request, user_fixture, status):
    sign_in(client, request.getfixturevalue(user_fixture))

    for url in dashboard_urls():
        assert client.get(url).status_code == status, url


def test_anonymous_sent_to_sign_in(client, db):
    for url in dashboard_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_lawyer_sees_own_team_scorecard(client, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("kpis:team_scorecard", args=[lawyer.profile.team_id]))

    assert response.status_code == 200


def test_lawyer_menu_links_own_scorecard(client, lawyer):
    client.force_login(lawyer)

    home = client.get(reverse("home")).content.decode()
    response = client.get(reverse("kpis:my_team_scorecard"))

    assert f'href="{reverse("kpis:my_team_scorecard")}"' in home
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "kpis:team_scorecard", args=[lawyer.profile.team_id]
    )


def test_my_scorecard_without_team_explains(client, lawyer):
    lawyer.profile.team = None
    lawyer.profile.save(update_fields=["team"])
    client.force_login(lawyer)

    response = client.get(reverse("kpis:my_team_scorecard"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are not in a team" in response.content.decode()


def test_lawyer_cannot_see_other_team(client, lawyer):
    other = TeamFactory(name="Litigation")
    client.force_login(lawyer)

    response = client.get(reverse("kpis:team_scorecard", args=[other.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("user_fixture", ["portal_user", "other_portal_user"])
def test_portal_user_gets_no_scorecard(client, request, user_fixture, team):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("kpis:team_scorecard", args=[team.pk]))

    assert response.status_code == 403


def test_lawyer_cannot_see_key_account_scorecard(client, lawyer):
    account = KeyAccountFactory()
    client.force_login(lawyer)

    response = client.get(reverse("kpis:key_account_scorecard", args=[account.pk]))

    assert response.status_code == 403


def test_unknown_team_scorecard_not_found(client, practice_manager):
    client.force_login(practice_manager)

    response = client.get(reverse("kpis:team_scorecard", args=[99999]))

    assert response.status_code == 404


def test_nav_shows_kpis_to_managers(client, practice_manager):
    client.force_login(practice_manager)

    assert reverse("kpis:overview") in client.get(reverse("home")).content.decode()


def test_nav_hides_kpis_from_lawyers(client, lawyer):
    client.force_login(lawyer)

    page = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("kpis:overview")}"' not in page


# What the pages show
# ---------------------------------------------------------------------------


def test_overview_tile_says_why_missing(client, practice_manager):
    services.rollup(periods=[OCTOBER], codes=["csat"])
    client.force_login(practice_manager)

    page = client.get(reverse("kpis:overview") + OCTOBER_QUERY).content.decode()

    assert "No rating answers were submitted in this period." in page
    assert "Not computed yet for this period." in page


def test_overview_groups_by_aim(client, practice_manager):
    from .factories import AuthorityAimFactory

    aim = AuthorityAimFactory(code="AIM9", name="Value for money")
    KpiDefinition.objects.filter(code="recharge_value").update(aim=aim)
    client.force_login(practice_manager)

    page = client.get(reverse("kpis:overview")).content.decode()

    assert "AIM9 Value for money" in page
    assert "Not linked to an authority aim" in page


def test_detail_shows_benchmark_quartile(client, practice_manager):
    definition = KpiDefinition.objects.get(code="csat")
    KpiRecordFactory(definition=definition, value="85.0")
    for peer, value in (("Northshire", "70"), ("Eastshire", "90"), ("Westshire", "95")):
        Benchmark.objects.create(
            definition=definition,
            period_kind="month",
            period_start=OCTOBER.start,
            peer=peer,
            value=Decimal(value),
        )
    client.force_login(practice_manager)

    page = client.get(reverse("kpis:detail", args=["csat"]) + OCTOBER_QUERY)

    assert page.status_code == 200
    assert "we are in quartile 3 of 4" in page.content.decode()
    assert "Peer median 90.0%" in page.content.decode()


def test_detail_breakdown_by_team(client, practice_manager):
    definition = KpiDefinition.objects.get(code="csat")
    KpiRecordFactory(
        definition=definition, scope_kind="team", scope_id=7, scope_label="Property"
    )
    client.force_login(practice_manager)

    page = client.get(reverse("kpis:detail", args=["csat"]) + OCTOBER_QUERY)

    assert "Property" in page.content.decode()
    assert "scope=team&amp;scope_id=7" in page.content.decode()


def test_rows_page_lists_source_rows(client, practice_manager):
    matter = make_time(3, on=dt.date(2026, 10, 5))
    client.force_login(practice_manager)

    page = client.get(reverse("kpis:rows", args=["chargeable_hours"]) + OCTOBER_QUERY)

    assert page.status_code == 200
    assert "3 source rows" in page.content.decode()
    assert matter.reference in page.content.decode()


def test_rows_page_rejects_unsupported_scope(client, practice_manager):
    client.force_login(practice_manager)

    url = reverse("kpis:rows", args=["client_retention"]) + "?scope=team&scope_id=1"

    assert client.get(url).status_code == 404


def test_rows_page_team_filter_unsupported(client, practice_manager, team):
    client.force_login(practice_manager)

    url = (
        reverse("kpis:rows", args=["client_retention"]) + f"?kind=month&team={team.pk}"
    )

    assert client.get(url).status_code == 404


def test_key_account_scorecard_for_manager(client, practice_manager):
    account = KeyAccountFactory()
    KpiRecordFactory(
        definition=KpiDefinition.objects.get(code="key_accounts_agreed_plan"),
        period_start=dt.date(2026, 10, 1),
        scope_kind="key_account",
        scope_id=account.pk,
        value="100.0",
    )
    client.force_login(practice_manager)

    response = client.get(
        reverse("kpis:key_account_scorecard", args=[account.pk]) + OCTOBER_QUERY
    )

    page = response.content.decode()
    assert f"Scorecard: Key account {account.client.name}" in page
    assert "100.0%" in page
    rows_url = reverse("kpis:rows", args=["key_accounts_agreed_plan"])
    scope = f"scope=key_account&amp;scope_id={account.pk}"
    assert f"{rows_url}?kind=month&amp;on=2026-10-01&amp;{scope}" in page


def test_key_account_rows_page_opens(client, practice_manager):
    account = KeyAccountFactory()
    client.force_login(practice_manager)
    url = reverse("kpis:rows", args=["key_accounts_agreed_plan"])
    query = f"?kind=month&on=2026-10-01&scope=key_account&scope_id={account.pk}"

    response = client.get(url + query)

    assert response.status_code == 200


# Exports
# ---------------------------------------------------------------------------


def test_overview_xlsx_export_neutralises_formulas(client, practice_manager):
    team = TeamFactory(name='=HYPERLINK("http://example.org")')
    client.force_login(practice_manager)

    response = client.get(
        reverse("kpis:overview_export", args=["xlsx"]) + f"?kind=month&team={team.pk}"
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    scopes = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert scopes == {'\'=HYPERLINK("http://example.org")'}
    assert sheet.max_row == KpiDefinition.objects.count() + 1


def test_overview_csv_export_audited(client, practice_manager):
    client.force_login(practice_manager)

    response = client.get(reverse("kpis:overview_export", args=["csv"]))

    assert response["Content-Type"].startswith("text/csv")
    assert AuditEvent.objects.filter(action="export", actor=practice_manager).exists()


def test_unknown_export_format_not_found(client, practice_manager):
    client.force_login(practice_manager)

    response = client.get(reverse("kpis:overview_export", args=["pdf"]))

    assert response.status_code == 404


def test_detail_export_has_twelve_periods(client, practice_manager):
    client.force_login(practice_manager)

    response = client.get(reverse("kpis:detail_export", args=["csat", "xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 13


def test_scorecard_export_xlsx(client, practice_manager, team):
    client.force_login(practice_manager)

    response = client.get(
        reverse("kpis:team_scorecard", args=[team.pk]) + "?format=xlsx"
    )

    assert response["Content-Disposition"].endswith('.xlsx"')


# Forms
# ---------------------------------------------------------------------------


def test_recompute_queues_task(client, practice_manager, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "kpis.views.recompute_period.apply_async",
        lambda args: queued.append(tuple(args)),
    )
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:recompute"), {"kind": "quarter", "on": "2026-05-02"}
    )

    assert response.status_code == 302
    assert queued == [("quarter", "2026-04-01")]


def test_recompute_rejects_future_day(client, practice_manager):
    client.force_login(practice_manager)
    future = timezone.localdate() + dt.timedelta(days=40)

    response = client.post(reverse("kpis:recompute"), {"kind": "month", "on": future})

    assert "Choose a day in the past or today." in response.content.decode()


def test_manual_value_error_beside_field(client, practice_manager):
    definition = KpiDefinitionFactory(code="staff-survey")
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:enter_value", args=[definition.code]),
        {"kind": "month", "on": "2026-10-01", "value": "120", "note": "Staff survey"},
    )

    page = response.content.decode()
    assert "Enter a percentage from 0 to 100." in page
    assert 'value="Staff survey"' in page
    assert not KpiRecord.objects.filter(definition=definition).exists()


def test_manual_value_saved_from_form(client, practice_manager):
    definition = KpiDefinitionFactory(code="staff-survey")
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:enter_value", args=[definition.code]),
        {"kind": "month", "on": "2026-10-01", "value": "88.5"},
    )

    assert response.status_code == 302
    assert KpiRecord.objects.get(definition=definition).value == Decimal("88.5")


def test_computed_kpi_has_no_entry_form(client, practice_manager):
    client.force_login(practice_manager)

    assert client.get(reverse("kpis:enter_value", args=["csat"])).status_code == 404


def test_benchmark_added_from_form(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:benchmark_add", args=["csat"]),
        {
            "period_kind": "month",
            "on": "2026-10-09",
            "peer": "Northshire",
            "value": "81.5",
        },
    )

    assert response.status_code == 302
    benchmark = Benchmark.objects.get()
    assert benchmark.period_start == dt.date(2026, 10, 1)
    assert benchmark.value == Decimal("81.5")


def upload(client, text, *, all_or_nothing=True):
    file = io.BytesIO(text.encode())
    file.name = "benchmarks.csv"
    data = {"file": file}
    if all_or_nothing:
        data["all_or_nothing"] = "on"
    return client.post(reverse("kpis:benchmark_import"), data)


CSV_HEADER = "kpi_code,period_kind,period_start,peer,value,source\n"


def test_benchmark_import_saves_rows(client, practice_manager):
    client.force_login(practice_manager)

    response = upload(
        client,
        CSV_HEADER
        + "csat,month,2026-10-01,Northshire,82.5,Annual report\n"
        + "csat,month,2026-10-01,Eastshire,77,\n",
    )

    assert response.status_code == 302
    assert Benchmark.objects.count() == 2


def test_benchmark_import_all_or_nothing(client, practice_manager):
    client.force_login(practice_manager)

    response = upload(
        client,
        CSV_HEADER
        + "csat,month,2026-10-01,Northshire,82.5,\n"
        + "csat,month,2026-10-01,Eastshire,182,\n"
        + "nope,month,2026-10-01,Westshire,12,\n",
    )

    page = response.content.decode()
    assert "Row 3: value: Enter a percentage from 0 to 100." in page
    assert "Row 4: kpi_code: no KPI has the code" in page
    assert Benchmark.objects.count() == 0


def test_benchmark_import_keeps_valid_rows(client, practice_manager):
    client.force_login(practice_manager)

    upload(
        client,
        CSV_HEADER
        + "csat,month,2026-10-01,Northshire,82.5,\n"
        + "csat,week,2026-10-01,Eastshire,82,\n",
        all_or_nothing=False,
    )

    assert Benchmark.objects.count() == 1


def test_service_cost_added_and_audited(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:costs"), {"month": "2026-10-17", "amount": "12500.00"}
    )

    assert response.status_code == 302
    cost = ServiceCost.objects.get()
    assert cost.month == dt.date(2026, 10, 1)
    assert AuditEvent.objects.filter(action="create", target_id=str(cost.pk)).exists()


def test_service_cost_rejects_negative(client, practice_manager):
    client.force_login(practice_manager)

    response = client.post(
        reverse("kpis:costs"), {"month": "2026-10-17", "amount": "-1"}
    )

    assert "Enter an amount of zero or more." in response.content.decode()
    assert not ServiceCost.objects.exists()


# Query counts
# ---------------------------------------------------------------------------


def make_time(count, *, on):
    """Bulk-create ``count`` chargeable time entries on one matter."""
    staff = StaffFactory()
    matter = Matter.objects.create(
        client=ClientFactory(),
        reference=f"Q/{count}",
        title="Bulk matter",
        matter_type=MatterType.objects.create(name=f"Type {count}"),
        responsible_lawyer=staff,
        opened_on=dt.date(2020, 1, 1),
        team=staff.profile.team,
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(
            matter=matter,
            staff=staff,
            worked_on=on,
            minutes=6,
            hourly_rate=Decimal("80.00"),
            amount=Decimal("8.00"),
        )
        for _ in range(count)
    )
    return matter


def queries_of(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_dashboard_queries_flat(client, practice_manager):
    today = timezone.localdate()
    period = Period.containing(PeriodKind.MONTH, today)
    urls = [reverse("kpis:overview"), reverse("kpis:detail", args=["chargeable_hours"])]
    client.force_login(practice_manager)

    make_time(10, on=today)
    services.rollup(periods=[period])
    small = [queries_of(client, url) for url in urls]
    make_time(10_000, on=today)
    services.rollup(periods=[period])
    large = [queries_of(client, url) for url in urls]

    assert small == large
    assert max(large) <= 20
