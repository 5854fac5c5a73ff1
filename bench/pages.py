"""The key pages, who uses them, and their server time and queries per request.

``measure_pages`` requests each page in this process through Django's test
client, signed in as the page's role, so the time is the server's own work
(middleware, view, queries, template) without a network or a browser. The
queries come from ``CaptureQueriesContext``, which counts them with
``DEBUG`` off as well.
"""

import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    role: str
    url_name: str
    # The key of ``sample_objects()`` whose value is the URL's argument.
    argument: str | None = None


PAGES = [
    Page("client_list", "Client list", "lawyer", "clients:list"),
    Page("client_page", "Client page", "lawyer", "clients:detail", "client"),
    Page("matter_list", "Matter list", "lawyer", "clients:matter_list"),
    Page("matter_page", "Matter page", "lawyer", "clients:matter_detail", "matter"),
    Page("timesheet", "Timesheet", "lawyer", "clients:timesheet"),
    Page(
        "recharge_statement",
        "Recharge statement",
        "practice_manager",
        "clients:statement_detail",
        "statement",
    ),
    Page(
        "key_account_ranking",
        "Key account ranking",
        "senior_legal_manager",
        "clients:key_account_ranking",
    ),
    Page("kpi_overview", "KPI overview", "practice_manager", "kpis:overview"),
    Page("kpi_page", "KPI page", "practice_manager", "kpis:detail", "kpi"),
    Page(
        "survey_results",
        "Survey results",
        "practice_manager",
        "surveys:results",
        "survey_round",
    ),
    Page("portal_home", "Portal home", "portal_user", "portal:home"),
    Page("article_list", "Article list (portal)", "portal_user", "portal:guidance"),
    Page(
        "staff_article_list",
        "Article list (staff)",
        "administrator",
        "feedback_staff:article_list",
    ),
]


def sample_objects() -> dict:
    """Return the records the pages with an argument show: the busiest of each."""
    from django.db.models import Count

    from clients.models import KeyAccount, Matter, RechargeStatement
    from feedback.models import SurveyRound
    from kpis.choices import MANUAL_SOURCE
    from kpis.models import KpiDefinition

    client = KeyAccount.objects.order_by("pk").values_list("client_id", flat=True)[0]
    matter = (
        Matter.objects.filter(client_id=client)
        .annotate(entries=Count("time_entries"))
        .order_by("-entries", "pk")
        .values_list("pk", flat=True)[0]
    )
    statement = (
        RechargeStatement.objects.filter(status="issued")
        .annotate(count=Count("lines"))
        .order_by("-count", "pk")
        .values_list("pk", flat=True)[0]
    )
    survey_round = (
        SurveyRound.objects.annotate(count=Count("responses"))
        .order_by("-count", "pk")
        .values_list("pk", flat=True)[0]
    )
    kpi = (
        KpiDefinition.objects.filter(active=True)
        .exclude(source=MANUAL_SOURCE)
        .order_by("position", "code")
        .values_list("code", flat=True)[0]
    )
    return {
        "client": client,
        "matter": matter,
        "statement": statement,
        "survey_round": survey_round,
        "kpi": kpi,
    }


def page_url(page: Page, objects: dict) -> str:
    from django.urls import reverse

    args = [objects[page.argument]] if page.argument else []
    return reverse(page.url_name, args=args)


def signed_in_clients(users: dict) -> dict:
    """Return a test client signed in as each role's sample user, by role."""
    from django.test import Client

    from accounts.models import User

    clients = {}
    for role in sorted({page.role for page in PAGES}):
        client = Client()
        user = User.objects.get(email=users[role])
        client.force_login(user)
        _verify_second_factor(client, user)
        clients[role] = client
    return clients


def _verify_second_factor(client, user) -> None:
    """Mark the session as having given a code, as signing in with one does."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import two_factor

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return
    session = client.session
    session.pop(two_factor.PENDING_SESSION_KEY, None)
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def measure_pages(clients: dict, objects: dict, *, repeat: int, warmup: int) -> list:
    """Time ``repeat`` requests of every page after ``warmup`` untimed ones.

    ``clients`` contains a signed-in test client by role, from ``signed_in_clients``.
    """
    return [
        measure_page(page, clients[page.role], page_url(page, objects), repeat, warmup)
        for page in PAGES
    ]


def measure_page(page: Page, client, url: str, repeat: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(warmup):
        client.get(url)
    seconds, queries, statuses = [], [], set()
    for _n in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        queries.append(len(captured.captured_queries))
        statuses.add(response.status_code)
    return {
        "key": page.key,
        "title": page.title,
        "role": page.role,
        "url": url,
        "status": sorted(statuses),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        # The most common count: a request now and then also saves the
        # session's last activity (once a minute) or fills a cache.
        "queries": statistics.mode(queries),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "requests": repeat,
    }


def percentile(values: list[float], percent: float) -> float:
    """Return the nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]
