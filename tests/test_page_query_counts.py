"""Each key page makes an exact number of queries, the same with 5 or 50 of everything.

Every page is requested as the role that uses it, over data built in bulk.
The data has clients with services, contacts, logged contacts, matters and
time, key accounts, a survey round with answers, KPI records, a recharge
statement, guidance articles, and the portal user's matters and plan
actions. A query per row (an N+1) would differ between the two sizes, and
the exact figure catches needless constant queries.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services_key_accounts, services_recharges
from clients.models import (
    Client,
    Contact,
    Interaction,
    Matter,
    RechargeStatement,
    TimeEntry,
)
from feedback.models import Answer, Article, Response
from kpis import services as kpi_services

from .factories import (
    ArticleCategoryFactory,
    MatterTypeFactory,
    QuestionFactory,
    SurveyRoundFactory,
)
from .test_key_accounts_queries import build_ranked_clients
from .test_portal_pages import build_home_data, key_account_plan
from .test_query_counts import MAX_QUERIES_PER_PAGE

pytestmark = pytest.mark.usefixtures("seeded_kpi_definitions")

# Queries per page, the session's own reads included. A detail page also
# writes its "viewed" audit entry. The key account ranking reads its stored
# figures: when they were worked out, the count of clients and one page.
EXPECTED_QUERIES = {
    "client list": 8,
    "client page": 15,
    "matter list": 9,
    "matter page": 10,
    "timesheet": 7,
    "recharge statement": 8,
    "key account ranking": 8,
    "KPI overview": 8,
    "KPI page": 10,
    # The warming request caches the figures; tests/test_survey_results.py
    # counts the queries that work them out.
    "survey results": 12,
    "portal home": 11,
    "article list": 7,
}

PAGES = {
    "client list": ("lawyer", lambda data: reverse("clients:list")),
    "client page": ("lawyer", lambda data: data["client"].get_absolute_url()),
    "matter list": ("lawyer", lambda data: reverse("clients:matter_list")),
    "matter page": ("lawyer", lambda data: data["matter"].get_absolute_url()),
    "timesheet": ("lawyer", lambda data: reverse("clients:timesheet")),
    "recharge statement": (
        "practice_manager",
        lambda data: data["statement"].get_absolute_url(),
    ),
    "key account ranking": (
        "senior_legal_manager",
        lambda data: reverse("clients:key_account_ranking"),
    ),
    "KPI overview": ("practice_manager", lambda data: reverse("kpis:overview")),
    "KPI page": (
        "practice_manager",
        lambda data: reverse("kpis:detail", args=["chargeable_hours"]),
    ),
    "survey results": (
        "practice_manager",
        lambda data: reverse("surveys:results", args=[data["round"].pk]),
    ),
    "portal home": ("portal_user", lambda data: reverse("portal:home")),
    "article list": ("portal_user", lambda data: reverse("portal:guidance")),
}


def count_queries(http, url):
    http.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, url
    # Savepoints and the idle sign-out's session rewrite, at most once a
    # minute, have nothing to do with the page.
    return len(
        [
            query
            for query in queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
            and not (
                query["sql"].startswith("UPDATE") and '"django_session"' in query["sql"]
            )
        ]
    )


class PageData:
    """Adds ``size`` more of everything each time it is called."""

    def __init__(self, *, lawyer, sponsor, manager, portal_client, portal_user):
        self.lawyer = lawyer
        self.sponsor = sponsor
        self.manager = manager
        self.portal_client = portal_client
        self.portal_user = portal_user
        self.plan = key_account_plan(portal_client, lawyer)
        self.rating = QuestionFactory(kind="rating")
        self.round = SurveyRoundFactory(survey=self.rating.survey)
        self.nps = QuestionFactory(kind="nps", survey=self.rating.survey)
        self.category = ArticleCategoryFactory()
        self.internal = Client.objects.create(
            name="Adult social care",
            kind=Client.Kind.INTERNAL_SERVICE,
            cost_centre_code="ASC-01",
        )
        self.statement_matter = Matter.objects.create(
            client=self.internal,
            reference="ASC/1",
            title="Care placements",
            matter_type=MatterTypeFactory(),
            responsible_lawyer=lawyer,
            opened_on=dt.date(2026, 1, 5),
        )
        self.batches = 0

    def add(self, size):
        self.batches += 1
        batch = "ABCDEFGH"[self.batches]
        clients = build_ranked_clients(
            size, lawyer=self.lawyer, sponsor=self.sponsor, batch=batch
        )
        self._contacts(clients)
        self._time_on_first_matter(size)
        self._answers(clients)
        build_home_data(
            size,
            client=self.portal_client,
            user=self.portal_user,
            staff=self.lawyer,
            plan=self.plan,
        )
        self._articles(size, batch)
        self._statement_time(size)
        today = timezone.localdate()
        kpi_services.rollup_recent(today=today)
        services_key_accounts.refresh_ranking_figures(today=today)
        return {
            "client": Client.objects.order_by("pk").first(),
            "matter": Matter.objects.filter(client__name__startswith="Directorate")
            .order_by("pk")
            .first(),
            "statement": self._issued_statement(),
            "round": self.round,
        }

    def _contacts(self, clients):
        contacts = Contact.objects.bulk_create(
            [
                Contact(client=client, full_name=f"Person {client.pk}-{n}")
                for client in clients
                for n in range(2)
            ]
        )
        first_of = {contact.client_id: contact for contact in contacts}
        Interaction.contacts.through.objects.bulk_create(
            [
                Interaction.contacts.through(
                    interaction_id=interaction.pk,
                    contact_id=first_of[interaction.client_id].pk,
                )
                for interaction in Interaction.objects.filter(client__in=clients)
            ]
        )

    def _time_on_first_matter(self, size):
        matter = (
            Matter.objects.filter(client__name__startswith="Directorate")
            .order_by("pk")
            .first()
        )
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    matter=matter,
                    staff=self.lawyer,
                    worked_on=timezone.localdate() - dt.timedelta(days=n),
                    minutes=30,
                    hourly_rate=Decimal("90.00"),
                ).set_amount()
                for n in range(size)
            ]
        )

    def _answers(self, clients):
        responses = Response.objects.bulk_create(
            [
                Response(
                    round=self.round,
                    client=client,
                    client_kind=client.kind,
                    submitted_on=timezone.localdate(),
                )
                for client in clients
            ]
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question=question, score=score)
                for n, response in enumerate(responses)
                for question, score in ((self.rating, n % 5 + 1), (self.nps, n % 11))
            ]
        )

    def _articles(self, size, batch):
        Article.objects.bulk_create(
            [
                Article(
                    title=f"Guidance {batch}{n}",
                    slug=f"guidance-{batch.lower()}{n}",
                    summary="What to expect.",
                    body="Tell us what you need.",
                    category=self.category,
                    status="published",
                    published_at=timezone.now(),
                    owner=self.lawyer,
                    review_date=timezone.localdate() + dt.timedelta(days=180),
                )
                for n in range(size)
            ]
        )

    def _statement_time(self, size):
        month = _months_ago(2)
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    matter=self.statement_matter,
                    staff=self.lawyer,
                    worked_on=month + dt.timedelta(days=n % 28),
                    minutes=45,
                    hourly_rate=Decimal("85.00"),
                ).set_amount()
                for n in range(size)
            ]
        )

    def _issued_statement(self):
        # Each batch issues the next month's statement, which takes in the
        # time not billed yet, so that the second has the most lines.
        month = _months_ago(3 - self.batches)
        services_recharges.draft_statements(month=month, actor=self.manager)
        statement = RechargeStatement.objects.get(client=self.internal, month=month)
        return services_recharges.issue_statement(
            statement=statement, actor=self.manager
        )


def _months_ago(count):
    month = timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def page_data(lawyer, senior_legal_manager, practice_manager, client_org, portal_user):
    return PageData(
        lawyer=lawyer,
        sponsor=senior_legal_manager,
        manager=practice_manager,
        portal_client=client_org,
        portal_user=portal_user,
    )


@pytest.fixture
def signed_in(client, request):
    """Return the test client signed in as the named role's fixture user."""

    def sign_in(role):
        client.force_login(request.getfixturevalue(role))
        return client

    return sign_in


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_is_exact_and_flat(page_data, signed_in, page):
    role, url_for = PAGES[page]
    http = signed_in(role)

    small = count_queries(http, url_for(page_data.add(5)))
    large = count_queries(http, url_for(page_data.add(45)))  # 50 of each in all

    assert (small, large) == (EXPECTED_QUERIES[page], EXPECTED_QUERIES[page])
    assert large <= MAX_QUERIES_PER_PAGE
