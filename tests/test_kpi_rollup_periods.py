"""Several periods worked out together give the figures of each worked out alone.

The rollup groups dated rows by month in one query and adds the months up
into quarters and years. Each calculator is checked against computing every
period on its own, on rows that fall on month edges in London time.
"""

import datetime as dt
from decimal import Decimal

import pytest

from clients.models import KeyAccount
from feedback.models import Answer
from kpis import services
from kpis.calculators import all_calculators
from kpis.calculators.base import Calculator
from kpis.models import KpiRecord, ServiceCost
from kpis.periods import LONDON, Period, PeriodKind

from .factories import (
    ClientFactory,
    ContactFactory,
    FeedbackFactory,
    InvitationFactory,
    KeyAccountFactory,
    MatterFactory,
    QuestionFactory,
    ResponseFactory,
    StaffFactory,
    SurveyRoundFactory,
    TeamFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.usefixtures("seeded_kpi_definitions")

MONTHS = [Period(PeriodKind.MONTH, dt.date(2026, month, 1)) for month in (8, 9, 10)]
PERIODS = [
    *MONTHS,
    Period(PeriodKind.QUARTER, dt.date(2026, 7, 1)),
    Period(PeriodKind.QUARTER, dt.date(2026, 10, 1)),
    Period(PeriodKind.FINANCIAL_YEAR, dt.date(2026, 4, 1)),
]
# Half an hour either side of London midnight at a month's edge, in summer
# time, so that the UTC date is another day and sometimes another month.
MONTH_EDGES = [
    dt.datetime(2026, 9, 1, 0, 30, tzinfo=LONDON),
    dt.datetime(2026, 10, 1, 0, 30, tzinfo=LONDON),
    dt.datetime(2026, 8, 31, 23, 30, tzinfo=LONDON),
]


@pytest.fixture
def dated_rows(db):
    """Rows of every source over three months, two teams and three clients."""
    teams = [TeamFactory(name="Property"), TeamFactory(name="Litigation")]
    staff = [StaffFactory(profile__team=team) for team in teams for _ in range(2)]
    clients = [ClientFactory(name=f"Client {n}") for n in range(3)]
    KeyAccountFactory(client=clients[0], owner=staff[0])
    matters = [
        MatterFactory(client=client, team=teams[n % 2], responsible_lawyer=staff[n])
        for n, client in enumerate(clients)
    ]

    days = [dt.date(2026, 8, 31), dt.date(2026, 9, 1), dt.date(2026, 9, 30)]
    days += [dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 11, 1)]
    for n, day in enumerate(days):
        for person in staff[: n % 4 + 1]:
            TimeEntryFactory(
                matter=matters[n % 3],
                staff=person,
                worked_on=day,
                minutes=30 + n,
                is_chargeable=n % 5 != 4,
            )

    for n, matter in enumerate(matters):
        matter.target_date = days[n * 2]
        matter.promise_met_on = days[n * 2] - dt.timedelta(days=n - 1)
        matter.save()

    for n, moment in enumerate(MONTH_EDGES):
        for kind in ("compliment", "complaint"):
            FeedbackFactory(
                client=clients[n],
                kind=kind,
                received_at=moment,
                resolve_due=moment.date(),
                resolved_at=moment + dt.timedelta(days=n),
            )

    for kind, scores in (("rating", [5, 3, 4]), ("nps", [10, 6, 8])):
        question = QuestionFactory(kind=kind)
        for n, score in enumerate(scores):
            response = ResponseFactory(
                round=SurveyRoundFactory(survey=question.survey),
                client=clients[n],
                team=teams[n % 2],
                submitted_on=days[n * 2 + 1],
            )
            Answer.objects.create(response=response, question=question, score=score)

    for n, moment in enumerate(MONTH_EDGES):
        InvitationFactory(
            contact=ContactFactory(client=clients[n]),
            lawyer=staff[n],
            sent_at=moment,
            responded_at=moment if n % 2 else None,
        )

    for n, month in enumerate(MONTHS):
        ServiceCost.objects.create(
            month=month.start, team=teams[n % 2], amount=Decimal("1000.00") * (n + 1)
        )

    KeyAccount.objects.update(created_at=dt.datetime(2026, 7, 1, tzinfo=LONDON))
    return clients


@pytest.mark.parametrize("code", sorted(all_calculators()))
def test_periods_together_match_each_alone(dated_rows, code):
    calculator = all_calculators()[code]

    for scope_kind in calculator.scope_kinds:
        together = calculator.compute_periods(PERIODS, scope_kind)
        alone = Calculator.compute_periods(calculator, PERIODS, scope_kind)

        assert together == alone, scope_kind


def test_rollup_many_periods_matches_single(dated_rows):
    def stored():
        return sorted(
            KpiRecord.objects.values_list(
                "definition__code",
                "period_kind",
                "period_start",
                "scope_kind",
                "scope_id",
                "scope_label",
                "value",
                "numerator",
                "denominator",
                "missing_reason",
            )
        )

    for period in PERIODS:
        services.rollup(periods=[period])
    one_at_a_time = stored()
    KpiRecord.objects.all().delete()

    written = services.rollup(periods=PERIODS)

    assert stored() == one_at_a_time
    assert written == len(one_at_a_time)
