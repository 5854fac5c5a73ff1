"""Demo matters, hourly rates, a year of time entries and two recharge statements.

``DemoLoader`` calls ``MatterDemoLoader`` after its other records, and the
choices here come from the same seeded generator, so the content is the same
on every run. Rows go in with ``bulk_create``.
"""

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import Team
from clients import services_recharges
from clients.management import demo_content as content
from clients.models import (
    Client,
    HourlyRate,
    Matter,
    MatterType,
    RechargeStatement,
    ServicePromise,
    TimeEntry,
)
from clients.services_matters import RateBook
from clients.working_days import add_working_days, is_working_day

HISTORY_DAYS = 365
# Matters per client, by the client groups of the demo loader.
MATTERS_PER_CLIENT = {"internal": 7, "school": 2, "parish": 1, "authority": 4}
ENTRY_MINUTES = (6, 12, 18, 24, 30, 42, 60, 90, 120, 150)
ENTRY_WEIGHTS = (10, 12, 9, 6, 12, 6, 10, 6, 4, 2)
# Last year's rates were this share of this year's, rounded to the pound.
LAST_YEAR_RATE_SHARE = Decimal("0.96")

PROMISES = {
    "Acknowledge a new instruction within 2 working days": 2,
    "Advice within 10 working days": 10,
    "First draft within 15 working days": 15,
}
# The matter type each team's work falls under, and its default promise.
TEAM_MATTER_TYPES = {
    content.GOVERNANCE: ("Governance", "Advice within 10 working days"),
    content.PROPERTY: ("Property", "First draft within 15 working days"),
    content.CONTRACTS: (
        "Contract or procurement",
        "First draft within 15 working days",
    ),
    content.EMPLOYMENT: ("Employment", "Advice within 10 working days"),
    content.EDUCATION: ("Advice", "Advice within 10 working days"),
    content.LITIGATION: (
        "Litigation",
        "Acknowledge a new instruction within 2 working days",
    ),
}
TITLES = [
    "Advice on {topic}",
    "{topic_title}",
    "Review of {topic}",
]
# The demo statements: one issued, one still a draft, both for last month.
ISSUED_STATEMENT_CLIENT = "Children's Social Care"
DRAFT_STATEMENT_CLIENT = "Highways and Transport"


class MatterDemoLoader:
    """Builder of the matter and time records of the demo."""

    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng
        self.today = loader.today

    def load(self, clients, groups):
        matter_types = self.create_reference_data()
        self.create_rates()
        matters = self.create_matters(clients, groups, matter_types)
        entries = self.create_time_entries(matters)
        statements = self.create_statements(clients)
        return {
            "matters": len(matters),
            "time entries": len(entries),
            "recharge statements": len(statements),
        }

    # Reference data and rates

    def create_reference_data(self):
        self.teams = Team.objects.in_bulk(field_name="name")
        promises = {
            name: ServicePromise.objects.get_or_create(
                name=name, defaults={"working_days": days}
            )[0]
            for name, days in PROMISES.items()
        }
        return {
            team: MatterType.objects.get_or_create(
                name=type_name, defaults={"default_promise": promises[promise_name]}
            )[0]
            for team, (type_name, promise_name) in TEAM_MATTER_TYPES.items()
        }

    def create_rates(self):
        this_april = self.financial_year_start(self.today)
        rows = []
        for user, start, _leave, member in self.loader.members:
            if member.hourly_rate is None:
                continue
            rate = Decimal(member.hourly_rate)
            earlier = (rate * LAST_YEAR_RATE_SHARE).quantize(
                Decimal("1"), rounding=ROUND_HALF_UP
            )
            first_day = min(start, this_april - timedelta(days=HISTORY_DAYS))
            rows.append(HourlyRate(staff=user, rate=earlier, effective_from=first_day))
            rows.append(HourlyRate(staff=user, rate=rate, effective_from=this_april))
        HourlyRate.objects.bulk_create(rows)

    @staticmethod
    def financial_year_start(day):
        april = date(day.year, 4, 1)
        return april if day >= april else date(day.year - 1, 4, 1)

    # Matters

    def create_matters(self, clients, groups, matter_types):
        planned = []
        for client in clients:
            if client.status != Client.Status.ACTIVE:
                continue
            group = groups[client.kind]
            for _ in range(MATTERS_PER_CLIENT[group]):
                planned.append(self.build_matter(client, group, matter_types))
        planned.sort(key=lambda matter: (matter.opened_on, matter.client.name))
        for number, matter in enumerate(planned, start=1):
            matter.reference = f"WCC/{matter.opened_on:%y}/{number:04d}"
        self.add_lawyer_promises_due(planned)
        return Matter.objects.bulk_create(planned)

    def build_matter(self, client, group, matter_types):
        opened_on = self.working_day_on_or_before(
            self.today - timedelta(days=self.rng.randint(0, HISTORY_DAYS + 60))
        )
        lawyer = self.pick_lawyer(client, opened_on)
        member = next(m for u, _s, _l, m in self.loader.members if u == lawyer)
        matter_type = matter_types[member.team]
        topic = self.rng.choice(content.TOPICS[group])
        title = self.rng.choice(TITLES).format(
            topic=topic, topic_title=topic[0].upper() + topic[1:]
        )
        matter = Matter(
            client=client,
            reference="",
            title=title[:200],
            matter_type=matter_type,
            team=self.teams.get(member.team),
            responsible_lawyer=lawyer,
            opened_on=opened_on,
            service_promise=matter_type.default_promise,
        )
        matter.target_date = matter.service_promise.due_date(opened_on)
        self.settle(matter)
        return matter

    def pick_lawyer(self, client, day):
        owner = client.relationship_owner
        owner_team = next(m.team for u, _s, _l, m in self.loader.members if u == owner)
        colleagues = self.loader.lawyers(owner_team, on=day)
        if owner in colleagues and self.rng.random() < 0.7:
            return owner
        return self.rng.choice(colleagues or self.loader.lawyers(on=day))

    def settle(self, matter):
        """Close older matters and record when their promise was met."""
        age = (self.today - matter.opened_on).days
        if matter.target_date <= self.today:
            if self.rng.random() < 0.12:
                met_on = add_working_days(matter.target_date, self.rng.randint(1, 4))
            else:
                early = self.rng.randint(
                    0, (matter.target_date - matter.opened_on).days
                )
                met_on = matter.target_date - timedelta(days=early)
            matter.promise_met_on = min(met_on, self.today)
        if age > 60 and self.rng.random() < 0.75:
            closed = matter.opened_on + timedelta(days=self.rng.randint(30, age - 1))
            closed = max(self.working_day_on_or_before(closed), matter.opened_on)
            matter.closed_on = max(closed, matter.promise_met_on or closed)
            matter.status = Matter.Status.CLOSED
            matter.outcome = demo_outcome(
                f"{matter.client.name}|{matter.title}|{matter.opened_on}"
            )
        elif age > 30 and self.rng.random() < 0.1:
            matter.status = Matter.Status.ON_HOLD

    def add_lawyer_promises_due(self, matters):
        """Leave the demo lawyer promises at risk and one overdue, unmet."""
        lawyer = self.loader.users_by_email[content.LAWYER_EMAIL]
        own = [
            m
            for m in matters
            if m.responsible_lawyer == lawyer and m.status == Matter.Status.OPEN
        ]
        targets = [
            add_working_days(self.today, 0),
            add_working_days(self.today, 1),
            add_working_days(self.today, 2),
            self.today - timedelta(days=3),
        ]
        for matter, target in zip(own[-len(targets) :], targets, strict=False):
            matter.target_date = max(target, matter.opened_on)
            matter.promise_met_on = None

    # Time

    def create_time_entries(self, matters):
        rates = RateBook(user.pk for user, *_rest in self.loader.members)
        by_lawyer = {}
        for matter in matters:
            by_lawyer.setdefault(matter.responsible_lawyer_id, []).append(matter)
        entries = []
        day = self.today - timedelta(days=HISTORY_DAYS)
        while day <= self.today:
            if is_working_day(day):
                for lawyer in self.loader.lawyers(on=day):
                    entries.extend(
                        self.day_entries(
                            lawyer, day, by_lawyer.get(lawyer.pk, []), rates
                        )
                    )
            day += timedelta(days=1)
        return TimeEntry.objects.bulk_create(entries, batch_size=2000)

    def day_entries(self, lawyer, day, matters, rates):
        open_then = [
            m
            for m in matters
            if m.opened_on <= day and (m.closed_on is None or day <= m.closed_on)
        ]
        if not open_then:
            return []
        entries = []
        for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
            matter = self.rng.choice(open_then)
            chargeable = matter.is_chargeable and self.rng.random() > 0.08
            rate = rates.rate_on(lawyer.pk, day)
            entry = TimeEntry(
                matter=matter,
                staff=lawyer,
                worked_on=day,
                minutes=self.rng.choices(ENTRY_MINUTES, weights=ENTRY_WEIGHTS)[0],
                is_chargeable=chargeable,
                hourly_rate=rate if rate is not None else Decimal("0.00"),
                activity=self.rng.choice(list(TimeEntry.Activity)),
                created_by=lawyer,
            )
            entries.append(entry.set_amount())
        return entries

    # Recharges

    def create_statements(self, clients):
        manager = self.loader.users_by_email["manager@example.org"]
        last_month = services_recharges.month_start(
            services_recharges.month_start(self.today) - timedelta(days=1)
        )
        by_name = {client.name: client for client in clients}
        statements = []
        for name in (ISSUED_STATEMENT_CLIENT, DRAFT_STATEMENT_CLIENT):
            client = by_name[name]
            statements.append(
                RechargeStatement.objects.create(
                    client=client,
                    month=last_month,
                    cost_centre_code=client.cost_centre_code,
                    created_by=manager,
                )
            )
        services_recharges.issue_statement(statement=statements[0], actor=manager)
        return statements

    @staticmethod
    def working_day_on_or_before(day):
        while not is_working_day(day):
            day -= timedelta(days=1)
        return day


# Mostly successful, as a service's closed matters tend to be. Drawn from a
# generator of its own, seeded by the matter's client, title and opening
# date, so that the outcomes leave the rest of the demo content unchanged.
DEMO_OUTCOME_WEIGHTS = {
    Matter.Outcome.SUCCESSFUL: 70,
    Matter.Outcome.PARTLY_SUCCESSFUL: 15,
    Matter.Outcome.UNSUCCESSFUL: 5,
    Matter.Outcome.NOT_APPLICABLE: 10,
}


def demo_outcome(seed: str) -> str:
    draw = random.Random(seed)
    outcomes = list(DEMO_OUTCOME_WEIGHTS)
    return draw.choices(outcomes, weights=list(DEMO_OUTCOME_WEIGHTS.values()))[0]
