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

from bench.throughput import SIGNED_IN_PATH


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


# The machine's speed is read off the signed-in trivial view: it runs the
# same middleware, session, user and roles as every page and reads no data,
# so its time does not change with scale.
REFERENCE_ROLE = "lawyer"


def measure_pages(clients: dict, objects: dict, *, repeat: int, warmup: int) -> dict:
    """Time ``repeat`` requests of every page after ``warmup`` untimed ones.

    ``clients`` contains a signed-in test client by role, from
    ``signed_in_clients``. The pages take turns, one request each, with the
    reference view first in each round, so that a change in the machine's
    speed during the step slows every page and the reference alike.
    Returns ``{"pages": [...], "reference": {...}}``.
    """
    turns = [(page, clients[page.role], page_url(page, objects)) for page in PAGES]
    reference = Page("reference", "Signed-in trivial view", REFERENCE_ROLE, "")
    turns.insert(0, (reference, clients[REFERENCE_ROLE], SIGNED_IN_PATH))
    for _n in range(warmup):
        for _page, client, url in turns:
            client.get(url)
    samples = {page.key: _Samples() for page, _client, _url in turns}
    for _n in range(repeat):
        for page, client, url in turns:
            samples[page.key].take(client, url)
    measured = [samples[page.key].summary(page, url) for page, _c, url in turns]
    return {"reference": measured[0], "pages": measured[1:]}


class _Samples:
    def __init__(self):
        self.seconds, self.queries, self.statuses = [], [], set()

    def take(self, client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            self.seconds.append(time.perf_counter() - started)
        self.queries.append(len(captured.captured_queries))
        self.statuses.add(response.status_code)

    def summary(self, page: Page, url: str) -> dict:
        return {
            "key": page.key,
            "title": page.title,
            "role": page.role,
            "url": url,
            "status": sorted(self.statuses),
            "median_ms": round(statistics.median(self.seconds) * 1000, 1),
            "p95_ms": round(percentile(self.seconds, 95) * 1000, 1),
            # The most common count: a request now and then also saves the
            # session's last activity (once a minute) or fills a cache.
            "queries": statistics.mode(self.queries),
            "queries_min": min(self.queries),
            "queries_max": max(self.queries),
            "requests": len(self.seconds),
        }


def percentile(values: list[float], percent: float) -> float:
    """Return the nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]
