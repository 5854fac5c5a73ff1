"""The demo data gives every computed KPI a value once the nightly rollup runs."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from clients.models import ClientPlan, KeyAccount, PlanAction
from feedback.models import ArticleVote, Feedback
from kpis.choices import MANUAL_SOURCE, SERVICE_SCOPE_ID, ScopeKind
from kpis.models import KpiDefinition, KpiRecord, ServiceCost
from kpis.periods import Period, PeriodKind

pytestmark = pytest.mark.django_db

# The survey KPIs come from two demo survey rounds, months apart, so only
# the latest two periods of their own frequency surely contain answers.
SURVEY_KPIS = {"csat", "nps", "survey_response_rate"}


@pytest.fixture
def demo(settings, seeded_kpi_definitions):
    # seed_demo runs only with DEBUG on, and pytest-django turns it off.
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def demo_rolled_up(demo):
    # The nightly job's periods: the current and previous one of each kind.
    call_command("rollup_kpis", "--periods", "2", stdout=StringIO())


def computed_definitions():
    return list(KpiDefinition.objects.filter(active=True).exclude(source=MANUAL_SOURCE))


def service_values(kind, starts):
    """Return ``{(definition id, period start): value}`` of whole-service records."""
    records = KpiRecord.objects.filter(
        period_kind=kind,
        period_start__in=starts,
        scope_kind=ScopeKind.SERVICE,
        scope_id=SERVICE_SCOPE_ID,
    )
    return {(r.definition_id, r.period_start): r.value for r in records}


def test_every_computed_kpi_has_latest_value(demo_rolled_up):
    today = timezone.localdate()
    missing = []
    for definition in computed_definitions():
        current = Period.containing(definition.frequency, today)
        starts = [current.previous().start, current.start]
        values = service_values(definition.frequency, starts)
        if all(values.get((definition.pk, start)) is None for start in starts):
            missing.append(definition.code)

    assert len(computed_definitions()) >= 20
    assert not missing, f"No whole-service value for: {', '.join(missing)}"


def test_last_complete_periods_have_every_value(demo_rolled_up):
    missing = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        previous = Period.containing(kind, timezone.localdate()).previous()
        values = service_values(kind, [previous.start])
        missing += [
            f"{definition.code} ({previous.label})"
            for definition in computed_definitions()
            if definition.code not in SURVEY_KPIS
            and values.get((definition.pk, previous.start)) is None
        ]

    assert not missing, f"No whole-service value for: {', '.join(missing)}"


def test_demo_loads_key_accounts_and_feedback(demo):
    assert KeyAccount.objects.count() == 6
    assert not KeyAccount.objects.filter(created_at__gte=timezone.now()).exists()
    statuses = set(ClientPlan.objects.values_list("status", flat=True))
    assert statuses == {"draft", "agreed", "archived"}
    assert ClientPlan.objects.filter(objectives__aim__isnull=False).exists()
    assert ClientPlan.objects.filter(needs__source_interaction__isnull=False).exists()
    assert PlanAction.objects.filter(shared_with_client=True, status="done").exists()
    assert ServiceCost.objects.filter(team__isnull=True).exists()
    assert ServiceCost.objects.filter(team__isnull=False).exists()
    votes = ArticleVote.objects.all()
    assert votes.filter(helpful=True).exists()
    assert votes.filter(helpful=False).exists()
    assert not votes.filter(created_at__lt=F("article__published_at")).exists()
    resolved = [
        item.resolved_on_time
        for item in Feedback.objects.filter(kind="complaint", status="resolved")
    ]
    assert True in resolved
    assert False in resolved
    assert not KpiDefinition.objects.filter(
        active=True, aim__isnull=True, code__in=[d.code for d in computed_definitions()]
    ).exists()
