"""Key account pages make the same number of queries with few rows or many.

Rows are built in bulk, so that a query per row (an N+1) would show as a
difference between the two sizes.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services_key_accounts
from clients.models import (
    Client,
    Interaction,
    KeyAccount,
    Matter,
    PlanAction,
    PlanNeed,
    PlanObjective,
    TimeEntry,
)
from feedback.models import Answer, Response

from .factories import (
    AuthorityAimFactory,
    ClientPlanFactory,
    KeyAccountFactory,
    MatterTypeFactory,
    QuestionFactory,
    SurveyRoundFactory,
)
from .test_query_counts import MAX_QUERIES_PER_PAGE


def count_queries(http, url):
    """Count the page's queries, leaving out writes of the session itself.

    The idle sign-out middleware rewrites the session at most once a minute,
    and building 500 rows can take that long, which would add queries that
    have nothing to do with the page.
    """
    http.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len([query for query in queries if not _is_session_write(query["sql"])])


def _is_session_write(sql):
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) or (
        sql.startswith(("UPDATE", "INSERT")) and '"django_session"' in sql
    )


def build_ranked_clients(size, *, lawyer, sponsor, batch="A"):
    """``size`` clients, half of them services of a directorate, with activity."""
    directorates = Client.objects.bulk_create(
        [
            Client(
                name=f"Directorate {batch}{n:03}",
                kind=Client.Kind.INTERNAL_DIRECTORATE,
            )
            for n in range(size // 2)
        ]
    )
    services = Client.objects.bulk_create(
        [
            Client(
                name=f"Service {batch}{n:03}",
                kind=Client.Kind.INTERNAL_SERVICE,
                parent=directorates[n % len(directorates)] if directorates else None,
            )
            for n in range(size - len(directorates))
        ]
    )
    clients = [*directorates, *services]
    matter_type = MatterTypeFactory()
    matters = Matter.objects.bulk_create(
        [
            Matter(
                client=client,
                reference=f"REF/{batch}{client.pk}",
                title="Advice",
                matter_type=matter_type,
                responsible_lawyer=lawyer,
                opened_on=dt.date(2026, 3, 2),
            )
            for client in clients
        ]
    )
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                matter=matter,
                staff=lawyer,
                worked_on=timezone.localdate() - dt.timedelta(days=n * 30),
                minutes=45,
                hourly_rate=Decimal("85.00"),
            ).set_amount()
            for matter in matters
            for n in range(2)
        ]
    )
    Interaction.objects.bulk_create(
        [
            Interaction(
                client=client,
                staff=lawyer,
                channel=Interaction.Channel.PHONE,
                summary="Call",
            )
            for client in clients
        ]
    )
    survey_round = SurveyRoundFactory()
    question = QuestionFactory(survey=survey_round.survey)
    responses = Response.objects.bulk_create(
        [
            Response(
                round=survey_round,
                client=client,
                client_kind=client.kind,
                submitted_on=timezone.localdate(),
            )
            for client in clients
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=question, score=4)
            for response in responses
        ]
    )
    KeyAccount.objects.bulk_create(
        [
            KeyAccount(
                client=client,
                tier=KeyAccount.Tier.MAJOR,
                owner=lawyer,
                sponsor=sponsor,
                contact_frequency_days=30,
                review_frequency_months=6,
                next_review_on=dt.date(2027, 1, 1),
                reason="Large",
            )
            for client in clients[::2]
        ]
    )
    return clients


def refresh_ranking():
    """Work out the ranking's figures, as the nightly task does."""
    services_key_accounts.refresh_ranking_figures(today=timezone.localdate())


@pytest.fixture
def measure_ranking(client, practice_manager, lawyer, senior_legal_manager):
    client.force_login(practice_manager)

    def run(size, query="", batch="A"):
        build_ranked_clients(
            size, lawyer=lawyer, sponsor=senior_legal_manager, batch=batch
        )
        refresh_ranking()
        return count_queries(client, reverse("clients:key_account_ranking") + query)

    return run


@pytest.mark.parametrize("query", ["", "?sort=-hours", "?sort=satisfaction&q=Serv"])
def test_ranking_queries_flat_5_to_500(measure_ranking, query):
    small = measure_ranking(5, query)
    large = measure_ranking(495, query, batch="B")  # 500 clients in all

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


def test_ranking_rolls_up_directorate(
    client, practice_manager, lawyer, senior_legal_manager
):
    build_ranked_clients(4, lawyer=lawyer, sponsor=senior_legal_manager)
    refresh_ranking()
    client.force_login(practice_manager)

    response = client.get(reverse("clients:key_account_ranking") + "?sort=name")

    rows = {row.name: row for row in response.context["page_obj"]}
    directorate = rows["Directorate A000"]
    service = rows["Service A000"]
    assert directorate.open_matters == 2
    assert service.open_matters == 1
    assert directorate.chargeable_minutes == 2 * 2 * 45
    assert directorate.recharge_value == Decimal("255.00")
    assert directorate.last_satisfaction == 4.0


def test_ranking_leaves_out_old_time(
    client, practice_manager, lawyer, senior_legal_manager
):
    clients = build_ranked_clients(2, lawyer=lawyer, sponsor=senior_legal_manager)
    TimeEntry.objects.update(worked_on=timezone.localdate() - dt.timedelta(days=400))
    refresh_ranking()
    client.force_login(practice_manager)

    response = client.get(reverse("clients:key_account_ranking"))

    rows = {row.pk: row for row in response.context["page_obj"]}
    assert rows[clients[1].pk].chargeable_minutes == 0
    assert rows[clients[1].pk].recharge_value == Decimal("0")


def test_key_account_list_queries_flat(client, lawyer, senior_legal_manager):
    client.force_login(lawyer)
    url = reverse("clients:key_account_list") + "?sort=health"

    build_ranked_clients(10, lawyer=lawyer, sponsor=senior_legal_manager)
    small = count_queries(client, url)
    build_ranked_clients(90, lawyer=lawyer, sponsor=senior_legal_manager, batch="B")
    large = count_queries(client, url)

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


def fill_plan(plan, size, owner):
    aim = AuthorityAimFactory()
    PlanObjective.objects.bulk_create(
        [
            PlanObjective(plan=plan, description=f"Objective {n}", aim=aim)
            for n in range(size)
        ]
    )
    interaction = Interaction.objects.create(
        client=plan.key_account.client,
        staff=owner,
        channel=Interaction.Channel.MEETING,
        summary="Needs",
    )
    PlanNeed.objects.bulk_create(
        [
            PlanNeed(plan=plan, description=f"Need {n}", source_interaction=interaction)
            for n in range(size)
        ]
    )
    PlanAction.objects.bulk_create(
        [
            PlanAction(
                plan=plan,
                description=f"Action {n}",
                owner=owner,
                due_on=dt.date(2026, 5, 1),
            )
            for n in range(size)
        ]
    )


@pytest.mark.parametrize("page", ["plan_detail", "plan_print"])
def test_plan_page_queries_flat(client, practice_manager, lawyer, page):
    client.force_login(practice_manager)
    small_plan = ClientPlanFactory(key_account=KeyAccountFactory(owner=lawyer))
    large_plan = ClientPlanFactory(key_account=KeyAccountFactory(owner=lawyer))
    fill_plan(small_plan, 5, lawyer)
    fill_plan(large_plan, 50, lawyer)

    small = count_queries(client, reverse(f"clients:{page}", args=[small_plan.pk]))
    large = count_queries(client, reverse(f"clients:{page}", args=[large_plan.pk]))

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


def test_key_account_page_queries_flat(client, practice_manager, lawyer):
    client.force_login(practice_manager)
    small_account = KeyAccountFactory(owner=lawyer)
    large_account = KeyAccountFactory(owner=lawyer)
    ClientPlanFactory(key_account=small_account)
    for year in range(2000, 2030):
        ClientPlanFactory(key_account=large_account, period_start=dt.date(year, 4, 1))
    large_account.team.add(*[KeyAccountFactory().owner for _ in range(5)])

    small = count_queries(client, small_account.get_absolute_url())
    large = count_queries(client, large_account.get_absolute_url())

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


def test_ranking_sort_ties_and_empty_last(
    client, practice_manager, lawyer, senior_legal_manager
):
    build_ranked_clients(4, lawyer=lawyer, sponsor=senior_legal_manager)
    Response.objects.filter(
        client__name__in=["Directorate A001", "Service A001"]
    ).delete()
    refresh_ranking()
    client.force_login(practice_manager)

    def names(query):
        url = reverse("clients:key_account_ranking") + query
        return [row.name for row in client.get(url).context["page_obj"]]

    # A directorate's hours include its service's, so both directorates lead.
    assert names("?sort=-hours") == [
        "Directorate A000",
        "Directorate A001",
        "Service A000",
        "Service A001",
    ]
    assert names("?sort=satisfaction") == [
        "Directorate A000",
        "Service A000",
        "Directorate A001",
        "Service A001",
    ]
    assert names("?sort=-name&q=service") == ["Service A001", "Service A000"]
