"""Each shipped calculator on small hand-computed data, empty periods included."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import StaffProfile
from clients.models import Interaction, KeyAccount, RechargeLine, RechargeStatement
from feedback.models import Answer, ArticleVote
from kpis.calculators import all_calculators, get_calculator
from kpis.choices import SERVICE_SCOPE_ID, ScopeKind
from kpis.models import ServiceCost
from kpis.periods import LONDON, Period, PeriodKind

from .factories import (
    ArticleFactory,
    ClientFactory,
    ClientPlanFactory,
    ContactFactory,
    FeedbackFactory,
    InvitationFactory,
    KeyAccountFactory,
    MatterFactory,
    PlanActionFactory,
    QuestionFactory,
    ResponseFactory,
    StaffFactory,
    SurveyRoundFactory,
    TeamFactory,
    TimeEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OCTOBER = Period(PeriodKind.MONTH, dt.date(2026, 10, 1))
SEPTEMBER = Period(PeriodKind.MONTH, dt.date(2026, 9, 1))
EMPTY = Period(PeriodKind.MONTH, dt.date(2026, 5, 1))


def service_result(code, period=OCTOBER):
    return get_calculator(code).compute(period, ScopeKind.SERVICE)[SERVICE_SCOPE_ID]


def london(*args):
    return dt.datetime(*args, tzinfo=LONDON)


def answer_scores(kind, scores, *, submitted_on=dt.date(2026, 10, 10), team=None):
    question = QuestionFactory(kind=kind)
    client = ClientFactory()
    for score in scores:
        response = ResponseFactory(
            round=SurveyRoundFactory(survey=question.survey),
            client=client,
            team=team,
            submitted_on=submitted_on,
        )
        Answer.objects.create(response=response, question=question, score=score)


def test_every_calculator_documents_formula():
    for code, calculator in all_calculators().items():
        assert calculator.formula, code
        assert calculator.name, code


@pytest.mark.parametrize("code", sorted(all_calculators()))
def test_calculator_handles_empty_period(code):
    result = service_result(code, EMPTY)

    assert result.value is None or result.value == 0
    if result.value is None:
        assert result.missing_reason


def test_csat_counts_four_and_five():
    answer_scores("rating", [5, 4, 2])
    answer_scores("rating", [1], submitted_on=dt.date(2026, 11, 1))

    result = service_result("csat")

    assert result.value == Decimal("66.7")
    assert result.numerator == 2
    assert result.denominator == 3


def test_csat_empty_period_is_missing():
    result = service_result("csat", EMPTY)

    assert result.value is None
    assert result.missing_reason == "No rating answers were submitted in this period."


def test_csat_by_team():
    answer_scores("rating", [5, 5], team=TeamFactory(name="Property"))
    answer_scores("rating", [1], team=TeamFactory(name="Litigation"))

    by_team = get_calculator("csat").compute(OCTOBER, ScopeKind.TEAM)

    assert sorted((r.scope_label, r.value) for r in by_team.values()) == [
        ("Litigation", Decimal("0.0")),
        ("Property", Decimal("100.0")),
    ]


def test_nps_promoters_minus_detractors():
    answer_scores("nps", [10, 9, 7, 3])

    result = service_result("nps")

    assert result.value == Decimal("25.0")
    assert result.numerator == 1
    assert result.denominator == 4


def test_response_rate_uses_london_date():
    survey_round = SurveyRoundFactory()
    # 00:30 on 1 October BST is 23:30 UTC on 30 September.
    first = InvitationFactory(
        round=survey_round, sent_at=dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC)
    )
    first.responded_at = timezone.now()
    first.save()
    InvitationFactory(round=survey_round, sent_at=london(2026, 10, 20, 9))
    InvitationFactory(round=survey_round, sent_at=london(2026, 9, 30, 23, 0))

    result = service_result("survey_response_rate")

    assert result.value == Decimal("50.0")
    assert result.denominator == 2


def test_compliments_and_complaints_counted():
    client = ClientFactory()
    FeedbackFactory(client=client, kind="compliment", received_at=london(2026, 10, 2))
    FeedbackFactory(client=client, kind="compliment", received_at=london(2026, 10, 3))
    FeedbackFactory(client=client, kind="complaint", received_at=london(2026, 10, 4))
    FeedbackFactory(client=client, kind="compliment", received_at=london(2026, 9, 3))

    assert service_result("compliments").value == 2
    assert service_result("complaints").value == 1
    assert service_result("compliments", EMPTY).value == 0


def test_complaints_resolved_on_time():
    client = ClientFactory()
    for resolved_at in (london(2026, 10, 10, 23, 30), london(2026, 10, 11, 0, 30)):
        FeedbackFactory(
            client=client,
            kind="complaint",
            resolve_due=dt.date(2026, 10, 10),
            resolved_at=resolved_at,
        )

    result = service_result("complaints_resolved_on_time")

    assert result.value == Decimal("50.0")
    assert result.numerator == 1


def test_guidance_helpful_share_of_votes():
    article = ArticleFactory()
    client = ClientFactory()
    for helpful in (True, True, False):
        ArticleVote.objects.create(
            article=article, user=UserFactory(), client=client, helpful=helpful
        )
    ArticleVote.objects.update(updated_at=london(2026, 10, 5, 12))

    result = service_result("guidance_helpful")

    assert result.value == Decimal("66.7")


def test_service_promises_met_counts_decided():
    client = ClientFactory()
    due = dt.date(2026, 10, 15)
    MatterFactory(client=client, target_date=due, promise_met_on=due)
    MatterFactory(client=client, target_date=due, promise_met_on=dt.date(2026, 10, 16))
    MatterFactory(client=client, target_date=due)
    MatterFactory(client=client, target_date=dt.date(2026, 9, 15), promise_met_on=due)

    result = service_result("service_promises_met")

    assert result.value == Decimal("33.3")
    assert result.denominator == 3


def test_chargeable_hours_by_scope():
    matter = MatterFactory()
    staff = StaffFactory(profile__team=TeamFactory(name="Property"))
    TimeEntryFactory(
        matter=matter, staff=staff, worked_on=dt.date(2026, 10, 1), minutes=90
    )
    TimeEntryFactory(
        matter=matter, staff=staff, worked_on=dt.date(2026, 10, 31), minutes=45
    )
    TimeEntryFactory(
        matter=matter, staff=staff, worked_on=dt.date(2026, 10, 2), is_chargeable=False
    )
    TimeEntryFactory(
        matter=matter, staff=staff, worked_on=dt.date(2026, 11, 1), minutes=60
    )

    result = service_result("chargeable_hours")
    by_client = get_calculator("chargeable_hours").compute(OCTOBER, ScopeKind.CLIENT)

    assert result.value == Decimal("2.25")
    assert result.numerator == 135
    assert by_client[matter.client_id].value == Decimal("2.25")


def test_utilisation_against_target(settings):
    settings.KPI_CHARGEABLE_HOURS_PER_MONTH = 100
    matter = MatterFactory()
    first, second = StaffFactory(), StaffFactory()
    for staff, days in ((first, 5), (second, 3)):
        for day in range(1, days + 1):
            TimeEntryFactory(
                matter=matter,
                staff=staff,
                worked_on=dt.date(2026, 10, day),
                minutes=1200,
            )

    result = service_result("utilisation")

    # 8 entries of 20 hours = 160 hours, against 2 people x 100 hours.
    assert result.value == Decimal("80.0")
    assert result.numerator == Decimal("160.00")
    assert result.denominator == 200


def make_issued_line(client, month, amount):
    statement, _ = RechargeStatement.objects.get_or_create(
        client=client, month=month, defaults={"status": "issued"}
    )
    entry = TimeEntryFactory(matter=MatterFactory(client=client), worked_on=month)
    return RechargeLine.objects.create(
        statement=statement,
        time_entry=entry,
        matter=entry.matter,
        staff=entry.staff,
        worked_on=entry.worked_on,
        minutes=entry.minutes,
        hourly_rate=entry.hourly_rate,
        amount=Decimal(amount),
    )


def test_recharge_value_sums_issued_lines():
    client = ClientFactory(kind="internal_service")
    make_issued_line(client, dt.date(2026, 10, 1), "42.50")
    make_issued_line(client, dt.date(2026, 10, 1), "10.01")
    make_issued_line(client, dt.date(2026, 9, 1), "99.00")

    result = service_result("recharge_value")

    assert result.value == Decimal("52.51")


def test_cost_per_chargeable_hour():
    matter = MatterFactory()
    for day in (5, 6):
        TimeEntryFactory(matter=matter, worked_on=dt.date(2026, 10, day), minutes=900)
    ServiceCost.objects.create(month=dt.date(2026, 10, 1), amount=Decimal("3000.00"))

    result = service_result("cost_per_chargeable_hour")

    assert result.value == Decimal("100.00")
    assert result.denominator == Decimal("30.00")


def test_cost_per_hour_without_costs_missing():
    TimeEntryFactory(worked_on=dt.date(2026, 10, 5), minutes=60)

    result = service_result("cost_per_chargeable_hour")

    assert result.value is None
    assert result.missing_reason == "No costs were entered for this period."


def closed_matter(outcome, closed_on=dt.date(2026, 10, 20), **fields):
    return MatterFactory(
        status="closed",
        closed_on=closed_on,
        outcome=outcome,
        opened_on=dt.date(2026, 9, 1),
        **fields,
    )


def test_successful_outcomes_share_of_recorded():
    closed_matter("successful")
    closed_matter("successful")
    closed_matter("partly_successful")
    closed_matter("unsuccessful")
    closed_matter("not_applicable")
    closed_matter("")
    closed_matter("successful", closed_on=dt.date(2026, 9, 30))

    result = service_result("successful_outcomes")

    assert result.value == Decimal("50.0")
    assert result.numerator == 2
    assert result.denominator == 4


def test_successful_outcomes_by_team():
    property_team = TeamFactory(name="Property")
    closed_matter("successful", team=property_team)
    closed_matter("unsuccessful", team=property_team)
    closed_matter("successful", team=TeamFactory(name="Planning"))

    results = get_calculator("successful_outcomes").compute(OCTOBER, ScopeKind.TEAM)

    assert results[property_team.pk].value == Decimal("50.0")


def test_successful_outcomes_empty_period_missing():
    closed_matter("")

    result = service_result("successful_outcomes")

    assert result.value is None
    assert result.missing_reason == (
        "No matter closed in this period with an outcome recorded."
    )


def test_client_retention_and_new_clients():
    kept, lost, new = ClientFactory(), ClientFactory(), ClientFactory()
    TimeEntryFactory(matter=MatterFactory(client=kept), worked_on=dt.date(2026, 9, 3))
    TimeEntryFactory(matter=MatterFactory(client=kept), worked_on=dt.date(2026, 10, 3))
    TimeEntryFactory(matter=MatterFactory(client=lost), worked_on=dt.date(2026, 9, 3))
    TimeEntryFactory(matter=MatterFactory(client=new), worked_on=dt.date(2026, 10, 3))

    retention = service_result("client_retention")

    assert retention.value == Decimal("50.0")
    assert retention.denominator == 2
    assert service_result("new_clients").value == 1
    assert service_result("new_clients", SEPTEMBER).value == 2


def test_key_accounts_with_agreed_plan():
    planned = KeyAccountFactory()
    KeyAccountFactory()
    ClientPlanFactory(key_account=planned, status="agreed")
    KeyAccount.objects.update(created_at=london(2026, 4, 1))

    result = service_result("key_accounts_agreed_plan")
    by_account = get_calculator("key_accounts_agreed_plan").compute(
        OCTOBER, ScopeKind.KEY_ACCOUNT
    )

    assert result.value == Decimal("50.0")
    assert by_account[planned.pk].value == Decimal("100.0")


def test_key_accounts_needs_assessed():
    assessed = KeyAccountFactory()
    stale = KeyAccountFactory()
    KeyAccount.objects.update(created_at=london(2025, 4, 1))
    for account, when in ((assessed, london(2026, 3, 1)), (stale, london(2025, 10, 1))):
        Interaction.objects.create(
            client=account.client,
            staff=account.owner,
            occurred_at=when,
            channel="meeting",
            kind="needs_assessment",
            summary="Needs assessment",
        )

    result = service_result("key_accounts_needs_assessed")

    assert result.value == Decimal("50.0")


def test_shared_actions_completed_ignores_dropped():
    plan = ClientPlanFactory()
    due = dt.date(2026, 10, 20)
    for status in ("done", "in_progress", "dropped"):
        PlanActionFactory(plan=plan, due_on=due, status=status, shared_with_client=True)
    PlanActionFactory(plan=plan, due_on=due, status="done", shared_with_client=False)

    result = service_result("shared_actions_completed")

    assert result.value == Decimal("50.0")
    assert result.denominator == 2


def test_shared_actions_counted_once_across_versions():
    archived = ClientPlanFactory(status="archived")
    agreed = ClientPlanFactory(
        key_account=archived.key_account, version=2, status="agreed"
    )
    draft = ClientPlanFactory(key_account=archived.key_account, version=3)
    due = dt.date(2026, 10, 20)
    for plan, status in ((archived, "in_progress"), (agreed, "done"), (draft, "done")):
        PlanActionFactory(plan=plan, due_on=due, status=status, shared_with_client=True)

    result = service_result("shared_actions_completed")

    assert result.value == Decimal("100.0")
    assert result.denominator == 1


def test_staff_turnover_and_retention():
    team = TeamFactory(name="Property")
    for _ in range(3):
        StaffFactory(profile__team=team)
    leaver = StaffFactory(profile__team=team)
    StaffProfile.objects.filter(user=leaver).update(leave_date=dt.date(2026, 10, 15))
    starter = StaffFactory(profile__team=team)
    StaffProfile.objects.filter(user=starter).update(start_date=dt.date(2026, 10, 5))

    turnover = service_result("staff_turnover")
    retention = service_result("staff_retention")

    assert turnover.value == Decimal("25.0")
    assert turnover.denominator == 4
    assert retention.value == Decimal("75.0")


def test_response_rate_by_client():
    contact = ContactFactory()
    InvitationFactory(contact=contact, sent_at=london(2026, 10, 2, 9))

    by_client = get_calculator("survey_response_rate").compute(
        OCTOBER, ScopeKind.CLIENT
    )

    assert by_client[contact.client_id].value == Decimal("0.0")
