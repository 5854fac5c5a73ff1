"""Demo authority aims, key accounts, client plans, service costs and benchmarks.

``DemoLoader`` calls ``KeyAccountDemoLoader`` once the staff, clients,
interactions and matters are in. The rows give the KPIs over key accounts,
plans and costs a value for every recent month and quarter. Dates count back
from the day of the load, and the plan actions and costs are spread evenly
over the last year, so every recent closed month has some. Rows go in with
``bulk_create``.
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from accounts.models import Team
from clients.management import demo_content as content
from clients.models import (
    ClientPlan,
    Interaction,
    KeyAccount,
    PlanAction,
    PlanNeed,
    PlanObjective,
)
from clients.models.key_accounts import financial_year_start
from clients.services_key_accounts import refresh_health
from clients.working_days import is_working_day
from kpis.models import AuthorityAim, Benchmark, KpiDefinition, ServiceCost
from kpis.periods import Period, PeriodKind

AIMS = [
    (
        "AIM1",
        "Strong partnerships with communities",
        "Work with residents, schools, parishes and partners on what matters to them.",
    ),
    (
        "AIM2",
        "Reliable services that keep their promises",
        "Services that are timely, get things right first time and say when "
        "they will not.",
    ),
    (
        "AIM3",
        "A well-run council that gives value for money",
        "Spend public money carefully and keep a skilled, settled workforce.",
    ),
    (
        "AIM4",
        "The best start in life for children and young people",
        "Keep children safe and help every school do well.",
    ),
]
# The aim each shipped KPI serves, and who owns it, in the demo council.
KPI_AIMS = {
    "AIM1": [
        "csat",
        "nps",
        "survey_response_rate",
        "compliments",
        "complaints",
        "complaints_resolved_on_time",
        "client_retention",
        "new_clients",
        "key_accounts_agreed_plan",
        "key_accounts_needs_assessed",
        "shared_actions_completed",
        "guidance_helpful",
    ],
    "AIM2": ["service_promises_met", "successful_outcomes"],
    "AIM3": [
        "chargeable_hours",
        "utilisation",
        "recharge_value",
        "cost_per_chargeable_hour",
        "staff_turnover",
        "staff_retention",
    ],
}
KEY_ACCOUNT_KPIS = {
    "key_accounts_agreed_plan",
    "key_accounts_needs_assessed",
    "shared_actions_completed",
}
SENIOR_EMAIL = "senior@example.org"
MANAGER_EMAIL = "manager@example.org"


class AccountSpec(NamedTuple):
    """The settings of one demo key account.

    ``plan`` is the state of this year's plan: agreed, revised (version 1
    archived, version 2 agreed), draft (none agreed yet) or review_overdue
    (agreed, but its review date has passed). ``assessed`` is how many days
    ago the last one-to-one needs assessment took place.
    """

    tier: str
    plan: str
    assessed: int
    designated: int
    review_months: int
    contact_days: int
    reason: str


TIER = KeyAccount.Tier
ACCOUNTS = {
    "Children's Social Care": AccountSpec(
        TIER.STRATEGIC,
        "agreed",
        12,
        720,
        3,
        14,
        "The largest volume of care proceedings, and a statutory duty at stake.",
    ),
    "Planning and Development Control": AccountSpec(
        TIER.MAJOR,
        "revised",
        120,
        650,
        6,
        30,
        "Section 106 agreements fund new schools and roads across the county.",
    ),
    "Casterbridge Grammar Academy": AccountSpec(
        TIER.DEVELOPING,
        "draft",
        400,
        480,
        6,
        60,
        "A new single-academy trust that could buy the full schools service.",
    ),
    content.PORTAL_SCHOOL: AccountSpec(
        TIER.MAJOR,
        "agreed",
        70,
        560,
        6,
        30,
        "Buys the schools legal service each year and pilots the portal.",
    ),
    "Kingsbere Town Council": AccountSpec(
        TIER.DEVELOPING,
        "review_overdue",
        200,
        430,
        12,
        45,
        "A new clerk and an asset transfer programme over the next two years.",
    ),
    "Casterbridge Borough Council": AccountSpec(
        TIER.STRATEGIC,
        "agreed",
        25,
        800,
        3,
        21,
        "The shared legal service agreement brings in recharge income.",
    ),
}

# (objective, aim code) pairs; each plan takes two, in turn.
OBJECTIVES = [
    ("Fewer care proceedings reach a final hearing late", "AIM4"),
    ("Agree section 106 terms before planning committee", "AIM2"),
    ("Governors know when to ask for legal advice", "AIM4"),
    ("Transfer the play area and allotments to the town council", "AIM1"),
    ("Keep the shared service within its agreed budget", "AIM3"),
    ("No employment tribunal claim lost on procedure", "AIM3"),
    ("Residents are consulted lawfully on every major decision", "AIM1"),
    ("Contracts are signed before the work starts", "AIM2"),
]
NEEDS = [
    "Earlier advice before decisions go to committee",
    "A named lawyer and a monthly call",
    "Training for new managers on {topic}",
    "Template documents for {topic}",
    "Clearer estimates of cost and time at the start of a matter",
]
ACTIONS = [
    "Run a briefing session on {topic}",
    "Send the quarterly report on open matters",
    "Review the template documents for {topic}",
    "Hold the account review meeting",
    "Agree the service promises for the coming quarter",
    "Share the guidance note on {topic}",
    "Draft the protocol for urgent instructions",
    "Check recharges against the agreed budget",
]
VISIONS = [
    "Be the first call {org} makes when a decision carries legal risk.",
    "Give {org} advice it can act on, before problems become disputes.",
]
# Days between two actions of one account, and how far back and ahead they go.
ACTION_STEP_DAYS = 24
ACTION_HISTORY_DAYS = 390
ACTION_AHEAD_DAYS = 90
# Only actions due in this many days before the load are left overdue.
RECENT_DAYS = 45

# The monthly cost of each team (staff, on-costs and its share of training),
# and the service-wide running costs, before a small monthly variation.
TEAM_MONTHLY_COSTS = {
    content.GOVERNANCE: "4850.00",
    content.PROPERTY: "5600.00",
    content.CONTRACTS: "5200.00",
    content.EMPLOYMENT: "4300.00",
    content.EDUCATION: "5400.00",
    content.LITIGATION: "5150.00",
}
RUNNING_COSTS = "6200.00"
RUNNING_COSTS_DESCRIPTION = "Accommodation, IT and the case management system"
# Invented peer services and, per KPI, the usual range of their quarterly
# figures, published in a benchmarking club's report.
PEERS = [
    "Mercia Shared Legal Service",
    "Lyonesse County Council Legal",
    "Northumbria Borough Legal Team",
    "Avalon Unitary Council Legal",
    "Elmet District Legal Services",
]
BENCHMARK_RANGES = {
    "csat": (72, 94),
    "service_promises_met": (78, 95),
    "complaints_resolved_on_time": (70, 96),
    "cost_per_chargeable_hour": (88, 135),
}
BENCHMARK_QUARTERS = 4
BENCHMARK_SOURCE = "Benchmarking club report"
# Costs are entered once a month has closed, for the months that the demo's
# year of time entries covers.
COST_MONTHS = 12


class KeyAccountDemoLoader:
    """Builder of the demo aims, key accounts, plans, costs and benchmarks."""

    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today
        self.now = loader.now
        self.zone = loader.zone
        self.senior = loader.users_by_email[SENIOR_EMAIL]
        self.manager = loader.users_by_email[MANAGER_EMAIL]
        # The demo loader's client group of each client kind, which load sets.
        self.groups = {}

    def load(self, clients, groups):
        self.groups = groups
        aims = self.create_aims()
        self.link_kpis(aims)
        accounts = self.create_accounts(clients)
        plans = self.create_plans(accounts, aims)
        actions = self.create_actions(accounts, plans)
        costs = self.create_costs()
        benchmarks = self.create_benchmarks()
        refresh_health(today=self.today)
        return {
            "key accounts": len(accounts),
            "client plans": sum(len(p) for p in plans.values()),
            "plan actions": len(actions),
            "service costs": len(costs),
            "benchmarks": len(benchmarks),
        }

    # Aims and KPI definitions

    def create_aims(self):
        aims = {}
        for code, name, description in AIMS:
            aims[code], _ = AuthorityAim.objects.update_or_create(
                code=code, defaults={"name": name, "description": description}
            )
        return aims

    def link_kpis(self, aims):
        """Give the shipped KPIs an aim and an owner, where they have none."""
        for code, kpi_codes in KPI_AIMS.items():
            KpiDefinition.objects.filter(code__in=kpi_codes, aim__isnull=True).update(
                aim=aims[code]
            )
        unowned = KpiDefinition.objects.filter(owner__isnull=True)
        unowned.filter(code__in=KEY_ACCOUNT_KPIS).update(owner=self.senior)
        unowned.exclude(code__in=KEY_ACCOUNT_KPIS).update(owner=self.manager)

    # Key accounts

    def create_accounts(self, clients):
        by_name = {client.name: client for client in clients}
        accounts = KeyAccount.objects.bulk_create(
            [self.build_account(by_name[name], spec) for name, spec in ACCOUNTS.items()]
        )
        for account, spec in zip(accounts, ACCOUNTS.values(), strict=True):
            account.created_at = self.at(self.day(-spec.designated), time(10, 0))
        KeyAccount.objects.bulk_update(accounts, ["created_at"])
        KeyAccount.team.through.objects.bulk_create(
            KeyAccount.team.through(keyaccount=account, user=member)
            for account in accounts
            for member in self.account_team(account)
        )
        return accounts

    def build_account(self, client, spec):
        # The Kingsbere review is overdue, so its health shows the reason.
        review_in = -10 if spec.plan == "review_overdue" else 20 + spec.contact_days
        return KeyAccount(
            client=client,
            tier=spec.tier,
            owner=client.relationship_owner,
            sponsor=self.senior,
            contact_frequency_days=spec.contact_days,
            review_frequency_months=spec.review_months,
            next_review_on=self.day(review_in),
            reason=spec.reason,
            designated_by=self.senior,
        )

    def account_team(self, account):
        owner_team = next(
            m.team for u, _s, _l, m in self.loader.members if u == account.owner
        )
        colleagues = [u for u in self.loader.lawyers(owner_team) if u != account.owner]
        return colleagues[:2]

    # Plans, objectives and needs

    def create_plans(self, accounts, aims):
        """Return ``{account pk: {"previous": plan, "current": plan}}``.

        The current plan is the one in force. A revised account also has its
        replaced version under "archived".
        """
        this_year = financial_year_start(self.today)
        last_year = date(this_year.year - 1, 4, 1)
        rows, archived = [], []
        for account, spec in zip(accounts, ACCOUNTS.values(), strict=True):
            rows.append(self.build_plan(account, last_year, "agreed", 1))
            if spec.plan == "revised":
                first = self.build_plan(account, this_year, "archived", 1)
                rows.append(first)
                archived.append(first)
                rows.append(self.build_plan(account, this_year, "agreed", 2))
            else:
                status = "draft" if spec.plan == "draft" else "agreed"
                rows.append(self.build_plan(account, this_year, status, 1))
        plans = ClientPlan.objects.bulk_create(rows)
        self.link_versions(plans)
        self.backdate(plans)

        in_force = {}
        for plan in plans:
            if plan.status == ClientPlan.Status.ARCHIVED:
                continue
            year = "current" if plan.period_start == this_year else "previous"
            in_force.setdefault(plan.key_account_id, {})[year] = plan
        self.create_objectives(plans, aims)
        self.create_needs([p["current"] for p in in_force.values()], accounts)
        for plan in archived:
            in_force[plan.key_account_id]["archived"] = plan
        return in_force

    def build_plan(self, account, period_start, status, version):
        spec = ACCOUNTS[account.client.name]
        period_end = date(period_start.year + 1, 3, 31)
        if period_start < financial_year_start(self.today):
            review_on = period_end
        elif spec.plan == "review_overdue":
            review_on = max(self.day(-21), period_start)
        else:
            review_on = min(self.day(30 * spec.review_months), period_end)
        words = {"org": account.client.name}
        plan = ClientPlan(
            key_account=account,
            period_start=period_start,
            version=version,
            status=status,
            vision=self.rng.choice(VISIONS).format(**words),
            preferred_channel=self.rng.choice(["email", "phone", "video_call"]),
            contact_frequency=self.rng.choice(["fortnightly", "monthly", "quarterly"]),
            advice_format=self.rng.choice(["brief", "detailed", "meeting"]),
            reporting="A short report on open matters before each review meeting.",
            problems_and_risks="Instructions often arrive close to deadlines.",
            service_promises="Acknowledge new instructions within 2 working days.",
            review_on=review_on,
            created_by=account.owner,
        )
        if status != ClientPlan.Status.DRAFT:
            plan.agreed_by = self.senior
            plan.agreed_at = min(
                self.at(period_start + timedelta(days=20 + version * 60), time(15, 0)),
                self.now,
            )
        return plan

    @staticmethod
    def link_versions(plans):
        firsts = {
            (p.key_account_id, p.period_start): p
            for p in plans
            if p.status == ClientPlan.Status.ARCHIVED
        }
        revised = []
        for plan in plans:
            first = firsts.get((plan.key_account_id, plan.period_start))
            if first is not None and plan.version == 2:
                plan.previous_version = first
                revised.append(plan)
        ClientPlan.objects.bulk_update(revised, ["previous_version"])

    def backdate(self, plans):
        for plan in plans:
            started = plan.period_start - timedelta(days=25)
            plan.created_at = min(self.at(started, time(9, 30)), self.now)
            if plan.version == 2:
                plan.created_at = min(plan.agreed_at - timedelta(days=7), self.now)
        ClientPlan.objects.bulk_update(plans, ["created_at"])

    def create_objectives(self, plans, aims):
        rows = []
        for number, plan in enumerate(plans):
            for offset in (0, 1):
                text, aim_code = OBJECTIVES[(2 * number + offset) % len(OBJECTIVES)]
                rows.append(
                    PlanObjective(plan=plan, description=text, aim=aims[aim_code])
                )
        PlanObjective.objects.bulk_create(rows)

    def create_needs(self, plans, accounts):
        """Record needs on this year's plans, from each account's assessment."""
        assessments = self.latest_assessments(accounts)
        rows = []
        for plan in plans:
            client = plan.key_account.client
            topic = self.rng.choice(content.TOPICS[self.group_of(client)])
            for text in self.rng.sample(NEEDS, 3):
                rows.append(
                    PlanNeed(
                        plan=plan,
                        description=text.format(topic=topic),
                        source_interaction=assessments.get(client.pk),
                        created_by=plan.key_account.owner,
                    )
                )
        PlanNeed.objects.bulk_create(rows)

    @staticmethod
    def latest_assessments(accounts):
        latest = {}
        assessments = Interaction.objects.filter(
            client__in=[account.client_id for account in accounts],
            kind=Interaction.Kind.NEEDS_ASSESSMENT,
        ).order_by("occurred_at")
        for interaction in assessments:
            latest[interaction.client_id] = interaction
        return latest

    # Plan actions

    def create_actions(self, accounts, plans):
        """Spread each account's actions evenly from a year ago to three months on.

        Two in three are shared with the client, so every recent month has
        shared actions falling due. An archived version contains copies of the
        actions that fell due before it was replaced, as a revision does.
        """
        this_year = financial_year_start(self.today)
        last_year = date(this_year.year - 1, 4, 1)
        rows = []
        for number, account in enumerate(accounts):
            account_plans = plans[account.pk]
            topic = self.rng.choice(content.TOPICS[self.group_of(account.client)])
            archived = account_plans.get("archived")
            replaced_on = self.replaced_on(account_plans)
            step = self.day(-ACTION_HISTORY_DAYS + 5 * number)
            index = 0
            while step <= self.day(ACTION_AHEAD_DAYS):
                due = self.weekday_on_or_before(step)
                step += timedelta(days=ACTION_STEP_DAYS)
                if due < last_year:
                    continue

                year = "current" if due >= this_year else "previous"
                action = self.build_action(
                    account, account_plans[year], due, index, topic
                )
                rows.append(action)
                if year == "current" and archived and due < replaced_on:
                    rows.append(self.copy_action(action, archived))
                index += 1
        return PlanAction.objects.bulk_create(rows)

    def replaced_on(self, account_plans):
        """Return the day the current plan replaced the archived one, or today."""
        agreed_at = account_plans["current"].agreed_at
        if "archived" not in account_plans or agreed_at is None:
            return self.today
        return agreed_at.astimezone(self.zone).date()

    def build_action(self, account, plan, due, index, topic):
        owners = [account.owner, *self.account_team(account)]
        return PlanAction(
            plan=plan,
            description=ACTIONS[index % len(ACTIONS)].format(topic=topic),
            owner=owners[index % len(owners)],
            due_on=due,
            status=self.action_status(due),
            shared_with_client=index % 3 != 2,
        )

    @staticmethod
    def copy_action(action, plan):
        return PlanAction(
            plan=plan,
            description=action.description,
            owner=action.owner,
            due_on=action.due_on,
            status=action.status,
            shared_with_client=action.shared_with_client,
        )

    def action_status(self, due):
        status = PlanAction.Status
        draw = self.rng.random()
        if due < self.day(-RECENT_DAYS):
            # Older actions were finished long ago, or dropped.
            return status.DONE if draw < 0.88 else status.DROPPED
        if due < self.today:
            # Some recent ones are still open, and so overdue.
            if draw < 0.7:
                return status.DONE
            if draw < 0.78:
                return status.DROPPED
            return status.IN_PROGRESS
        if draw < 0.15:
            return status.DONE
        return status.IN_PROGRESS if draw < 0.55 else status.NOT_STARTED

    # Service costs

    def create_costs(self):
        """Enter each closed month's costs: one row per team and the running costs."""
        teams = Team.objects.in_bulk(list(TEAM_MONTHLY_COSTS), field_name="name")
        month = self.today.replace(day=1)
        rows = []
        for _ in range(COST_MONTHS):
            month = (month - timedelta(days=1)).replace(day=1)
            for name, amount in TEAM_MONTHLY_COSTS.items():
                rows.append(
                    self.build_cost(month, teams[name], amount, f"{name} staff costs")
                )
            rows.append(
                self.build_cost(month, None, RUNNING_COSTS, RUNNING_COSTS_DESCRIPTION)
            )
        return ServiceCost.objects.bulk_create(rows)

    def build_cost(self, month, team, amount, description):
        varied = Decimal(amount) * Decimal(str(1 + self.rng.uniform(-0.04, 0.04)))
        return ServiceCost(
            month=month,
            team=team,
            amount=varied.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            description=description,
            entered_by=self.manager,
        )

    # Benchmarks

    def create_benchmarks(self):
        """Add the peers' figures for the last complete quarters."""
        definitions = KpiDefinition.objects.in_bulk(
            list(BENCHMARK_RANGES), field_name="code"
        )
        quarters = Period.containing(PeriodKind.QUARTER, self.today).previous()
        rows = []
        for quarter in quarters.recent(BENCHMARK_QUARTERS):
            for code, (low, high) in BENCHMARK_RANGES.items():
                if code not in definitions:
                    continue
                for peer in PEERS:
                    value = Decimal(str(self.rng.uniform(low, high)))
                    rows.append(
                        Benchmark(
                            definition=definitions[code],
                            period_kind=PeriodKind.QUARTER,
                            period_start=quarter.start,
                            peer=peer,
                            value=value.quantize(
                                Decimal("0.1"), rounding=ROUND_HALF_UP
                            ),
                            source=BENCHMARK_SOURCE,
                            entered_by=self.manager,
                        )
                    )
        return Benchmark.objects.bulk_create(rows)

    # Helpers

    def group_of(self, client):
        return self.groups[client.kind]

    def day(self, offset):
        return self.today + timedelta(days=offset)

    def at(self, day, clock):
        return datetime.combine(day, clock, tzinfo=self.zone)

    @staticmethod
    def weekday_on_or_before(day):
        while not is_working_day(day):
            day -= timedelta(days=1)
        return day


def planned_assessments(today: date):
    """Return ``(client name, day)`` of each key account's last needs assessment."""
    return [
        (name, today - timedelta(days=spec.assessed)) for name, spec in ACCOUNTS.items()
    ]


def delete_demo_costs(users):
    """Delete the costs and benchmarks the demo's staff entered.

    Costs protect the demo teams from deletion, and benchmarks would clash
    with those of the next load.
    """
    ServiceCost.objects.filter(entered_by__in=users).delete()
    Benchmark.objects.filter(entered_by__in=users, source=BENCHMARK_SOURCE).delete()
