"""The KPI rollup: upserts, idempotency, concurrency, manual values, benchmarks."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AuditEvent
from crm_site.celery import app as celery_app
from kpis import services, tasks
from kpis.choices import ScopeKind
from kpis.models import KpiDefinition, KpiRecord
from kpis.periods import Period, PeriodKind

from .concurrency import run_at_once
from .factories import (
    KpiDefinitionFactory,
    MatterFactory,
    StaffFactory,
    TeamFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.usefixtures("seeded_kpi_definitions")

OCTOBER = Period(PeriodKind.MONTH, dt.date(2026, 10, 1))


def record_values():
    return sorted(
        KpiRecord.objects.values_list(
            "definition__code", "period_start", "scope_kind", "scope_id", "value"
        )
    )


@pytest.fixture
def october_time(db):
    team = TeamFactory(name="Property")
    matter = MatterFactory(team=team)
    staff = StaffFactory(profile__team=team)
    for day in (1, 2, 3):
        TimeEntryFactory(
            matter=matter, staff=staff, worked_on=dt.date(2026, 10, day), minutes=60
        )
    return matter


def test_seeded_definitions_name_calculators(db):
    codes = set(KpiDefinition.objects.values_list("source", flat=True))

    assert "csat" in codes
    assert "cost_per_chargeable_hour" in codes
    for definition in KpiDefinition.objects.all():
        definition.full_clean()


def test_rollup_fills_every_seeded_kpi(october_time):
    services.rollup(periods=[OCTOBER])

    service_records = KpiRecord.objects.filter(scope_kind=ScopeKind.SERVICE)
    assert service_records.count() == KpiDefinition.objects.count()


def test_rollup_twice_changes_nothing(october_time):
    services.rollup(periods=[OCTOBER])
    first = record_values()

    services.rollup(periods=[OCTOBER])

    assert record_values() == first


def test_rollup_writes_scope_breakdown(october_time):
    services.rollup(periods=[OCTOBER], codes=["chargeable_hours"])

    team_record = KpiRecord.objects.get(
        definition__code="chargeable_hours", scope_kind=ScopeKind.TEAM
    )
    assert team_record.scope_label == "Property"
    assert team_record.value == Decimal("3.00")


def test_rollup_removes_scope_without_rows(october_time):
    services.rollup(periods=[OCTOBER], codes=["chargeable_hours"])
    october_time.time_entries.all().delete()

    services.rollup(periods=[OCTOBER], codes=["chargeable_hours"])

    kinds = KpiRecord.objects.filter(definition__code="chargeable_hours")
    assert list(kinds.values_list("scope_kind", flat=True)) == [ScopeKind.SERVICE]


def test_rollup_skips_manual_definitions(db):
    manual = KpiDefinitionFactory(source="manual")

    services.rollup(periods=[OCTOBER])

    assert not KpiRecord.objects.filter(definition=manual).exists()


def test_recent_periods_current_and_previous():
    periods = services.recent_periods(dt.date(2026, 4, 1))

    assert Period(PeriodKind.MONTH, dt.date(2026, 3, 1)) in periods
    assert Period(PeriodKind.QUARTER, dt.date(2026, 4, 1)) in periods
    assert Period(PeriodKind.FINANCIAL_YEAR, dt.date(2025, 4, 1)) in periods
    assert len(periods) == 6


def test_nightly_task_computes_recent_periods(db):
    written = tasks.run_nightly_rollup()

    assert written >= KpiDefinition.objects.count() * 6
    assert KpiRecord.objects.filter(period_kind=PeriodKind.FINANCIAL_YEAR).exists()


def test_recompute_task_takes_one_period(october_time):
    tasks.recompute_period("month", "2026-10-01")

    starts = set(KpiRecord.objects.values_list("period_start", flat=True))
    assert starts == {dt.date(2026, 10, 1)}


def test_beat_schedules_nightly_rollup():
    celery_app.finalize()
    schedule = celery_app.conf.beat_schedule

    assert schedule["kpi-nightly-rollup"]["task"] == "kpis.tasks.run_nightly_rollup"


@pytest.mark.django_db(transaction=True)
def test_concurrent_rollups_leave_one_record(october_time, seeded_kpi_definitions):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent upserts need PostgreSQL: set DATABASE_URL.")

    errors = run_at_once(lambda: services.rollup(periods=[OCTOBER]), timeout=120)

    assert errors == []
    keys = KpiRecord.objects.values_list(
        "definition", "period_kind", "period_start", "scope_kind", "scope_id"
    )
    assert len(keys) == len(set(keys))
    assert KpiRecord.objects.filter(scope_kind=ScopeKind.SERVICE).count() == (
        KpiDefinition.objects.count()
    )


# Hand-entered values
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "raw", "expected"),
    [
        ("percent", "87.5", Decimal("87.5")),
        ("percent", "0", Decimal("0")),
        ("percent", "100", Decimal("100")),
        ("money", "£1,250.50", Decimal("1250.50")),
        ("count", "12", Decimal("12")),
        ("score", "-40", Decimal("-40")),
        ("hours", "7.25", Decimal("7.25")),
    ],
)
def test_valid_values_accepted(unit, raw, expected):
    assert services.validate_value(unit, raw) == expected


@pytest.mark.parametrize(
    ("unit", "raw", "message"),
    [
        ("percent", "100.1", "percentage from 0 to 100"),
        ("percent", "-1", "percentage from 0 to 100"),
        ("money", "12.345", "pounds and pence"),
        ("money", "-5", "pounds and pence"),
        ("count", "2.5", "whole number"),
        ("score", "101", "score from -100 to 100"),
        ("percent", "lots", "Enter a number"),
        ("percent", "NaN", "Enter a number"),
    ],
)
def test_invalid_values_rejected(unit, raw, message):
    with pytest.raises(ValidationError, match=message):
        services.validate_value(unit, raw)


def test_manual_value_saved_and_audited(practice_manager):
    definition = KpiDefinitionFactory(source="manual")

    record = services.enter_manual_value(
        definition=definition, period=OCTOBER, raw_value="91.5", actor=practice_manager
    )
    services.enter_manual_value(
        definition=definition, period=OCTOBER, raw_value="92", actor=practice_manager
    )

    record.refresh_from_db()
    assert record.value == Decimal("92.0000")
    assert record.is_manual
    actions = list(
        AuditEvent.objects.filter(target_id=str(record.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create", "update"]


def test_manual_value_rejected_for_computed(practice_manager):
    definition = KpiDefinition.objects.get(code="csat")

    with pytest.raises(ValidationError, match="computed"):
        services.enter_manual_value(
            definition=definition,
            period=OCTOBER,
            raw_value="50",
            actor=practice_manager,
        )


# Status and benchmarks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "amber", "value", "status"),
    [
        ("higher", "90", "80", "95", "green"),
        ("higher", "90", "80", "90", "green"),
        ("higher", "90", "80", "85", "amber"),
        ("higher", "90", "80", "79", "red"),
        ("lower", "3", "5", "2", "green"),
        ("lower", "3", "5", "4", "amber"),
        ("lower", "3", "5", "6", "red"),
        ("higher", None, None, "6", "none"),
    ],
)
def test_definition_status_of_value(direction, target, amber, value, status):
    definition = KpiDefinition(
        direction=direction,
        target=None if target is None else Decimal(target),
        amber_threshold=None if amber is None else Decimal(amber),
    )

    assert definition.status_of(Decimal(value)) == status


def test_status_of_missing_value_is_none():
    assert KpiDefinition(target=Decimal("1")).status_of(None) == "none"


@pytest.mark.parametrize(
    ("ours", "peers", "direction", "quartile"),
    [
        ("90", ["50", "60", "70", "80"], "higher", 1),
        ("65", ["50", "60", "70", "80"], "higher", 3),
        ("10", ["50", "60", "70", "80"], "higher", 4),
        ("10", ["50", "60", "70", "80"], "lower", 1),
        ("70", ["70", "70"], "higher", 1),
        ("70", [], "higher", None),
    ],
)
def test_quartile_position_among_peers(ours, peers, direction, quartile):
    position = services.quartile_position(
        Decimal(ours), [Decimal(p) for p in peers], direction
    )

    assert position == quartile


def test_rollup_command_fills_recent_periods(db):
    output = io.StringIO()

    call_command("rollup_kpis", "--periods", "2", stdout=output)

    assert "for 6 periods" in output.getvalue()
    assert KpiRecord.objects.filter(period_kind=PeriodKind.QUARTER).exists()


def test_rollup_command_rejects_bad_count(db):
    with pytest.raises(CommandError, match="--periods 0 is invalid"):
        call_command("rollup_kpis", "--periods", "0")


def test_rollup_command_if_empty_runs_once(db):
    first, second = io.StringIO(), io.StringIO()

    call_command("rollup_kpis", "--periods", "1", "--if-empty", stdout=first)
    count = KpiRecord.objects.count()
    call_command("rollup_kpis", "--periods", "1", "--if-empty", stdout=second)

    assert "for 3 periods" in first.getvalue()
    assert "nothing computed" in second.getvalue()
    assert KpiRecord.objects.count() == count
