"""Matter, timesheet and statement pages make as many queries for 50 rows as for 5.

Rows are built with ``bulk_create``, so that a query per row would show as
a difference between the two sizes.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import services_recharges
from clients.models import (
    Client,
    ImportIssue,
    ImportJob,
    Matter,
    RechargeLine,
    RechargeStatement,
    TimeEntry,
)

from .factories import ClientFactory, MatterTypeFactory, ServicePromiseFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES_PER_PAGE = 20
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _friday(monkeypatch):
    from django.utils import timezone

    now = dt.datetime(2026, 3, 13, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


def build(size, *, lawyer):
    """Create ``size`` matters for one internal client, each with time this week."""
    RechargeLine.objects.all().delete()
    RechargeStatement.objects.all().delete()
    TimeEntry.objects.all().delete()
    Matter.objects.all().delete()
    client = Client.objects.filter(name="Highways").first() or ClientFactory(
        name="Highways", kind=Client.Kind.INTERNAL_SERVICE, cost_centre_code="HW-1"
    )
    matter_type = MatterTypeFactory(name="Advice")
    promise = ServicePromiseFactory(name="Advice in 10 days")
    matters = Matter.objects.bulk_create(
        [
            Matter(
                client=client,
                reference=f"Q/{n:03}",
                title=f"Matter {n}",
                matter_type=matter_type,
                responsible_lawyer=lawyer,
                team=lawyer.profile.team,
                opened_on=dt.date(2026, 3, 2),
                service_promise=promise,
                target_date=dt.date(2026, 3, 12 + n % 5),
            )
            for n in range(size)
        ]
    )
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                matter=matter,
                staff=lawyer,
                worked_on=MONDAY + dt.timedelta(days=day),
                minutes=15 + day,
                hourly_rate="80.00",
                from_timesheet=True,
            ).set_amount()
            for matter in matters
            for day in range(3)
        ]
    )
    return client, matters


def count_queries(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def measure(client, practice_manager):
    client.force_login(practice_manager)

    def run(size, url_for):
        internal, matters = build(size, lawyer=practice_manager)
        url = url_for(internal, matters, practice_manager)
        count_queries(client, url)  # warm the session and content-type caches
        return count_queries(client, url)

    return run


def statement_url(internal, matters, user):
    services_recharges.draft_statements(month=dt.date(2026, 3, 1), actor=user)
    statement = internal.recharge_statements.get()
    return statement.get_absolute_url()


def issued_statement_url(internal, matters, user):
    services_recharges.draft_statements(month=dt.date(2026, 3, 1), actor=user)
    statement = internal.recharge_statements.get()
    services_recharges.issue_statement(statement=statement, actor=user)
    return statement.get_absolute_url()


def statement_list_url(internal, matters, user):
    for number in range(len(matters) // 5):
        code = f"CC-{number}"
        other, _created = Client.objects.get_or_create(
            name=f"Service {code}",
            defaults={"kind": Client.Kind.INTERNAL_SERVICE, "cost_centre_code": code},
        )
        matter = matters[number]
        matter.client = other
        matter.save()
    services_recharges.draft_statements(month=dt.date(2026, 3, 1), actor=user)
    return reverse("clients:statement_list")


def import_url(internal, matters, user):
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.MATTERS,
        file_name="matters.csv",
        content=b"Reference\n",
        status=ImportJob.Status.CHECKED,
        headers=["Reference"],
        column_mapping={"reference": "Reference"},
    )
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(job=job, row_number=n + 2, field="Client", message="Missing.")
            for n in range(len(matters))
        ]
    )
    return job.get_absolute_url()


PAGES = {
    "matter list": lambda i, m, u: reverse("clients:matter_list"),
    "matter list filtered": lambda i, m, u: (
        reverse("clients:matter_list") + "?promise=at_risk&sort=-target&q=Matter"
    ),
    "matter page": lambda i, m, u: m[0].get_absolute_url(),
    "promises due": lambda i, m, u: reverse("clients:promises_due"),
    "timesheet": lambda i, m, u: reverse("clients:timesheet") + f"?week={MONDAY}",
    "draft statement": statement_url,
    "issued statement": issued_statement_url,
    "statement list": statement_list_url,
    "statement print": lambda i, m, u: statement_url(i, m, u) + "print/",
    "import page": import_url,
    "import list": lambda i, m, u: reverse("clients:import_list"),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_flat_5_to_50(measure, page):
    small = measure(5, PAGES[page])
    large = measure(50, PAGES[page])

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE
