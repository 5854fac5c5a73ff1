"""Simulated users of Legal CRM for locust: lawyers, managers and portal users.

``bench/load_test.py`` starts the servers and runs locust on this file, with
``LOAD_TEST_PLAN`` naming a JSON file of accounts and of the records each
role works on (see ``load_test.build_plan``). Every simulated user signs in
through the real sign-in form, with its CSRF token, and then:

- a lawyer opens the client list, a client's page and the matters, logs
  contacts through the client page's form and records time on a matter;
- a manager (practice manager or senior legal manager) reads the KPI
  overview, KPI pages, the key account ranking and survey results;
- a portal user reads the portal home page and guidance articles.

Requests go to gunicorn on loopback as nginx would pass them on: with
``X-Forwarded-Proto: https``, so Django treats them as secure, checks the
``Referer`` of each form as it would a browser's, and sets its cookies with
the ``Secure`` flag. The cookie policy below sends those cookies back over
the plain loopback connection, which takes the place of the TLS one here.
"""

import datetime as dt
import http.cookiejar
import itertools
import json
import os
import random
import re
import sys
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

LONDON = ZoneInfo("Europe/London")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STAFF_SIGN_IN = "/accounts/sign-in/"
PORTAL_SIGN_IN = "/portal/sign-in/"


def _load_plan() -> dict:
    path = os.environ.get("LOAD_TEST_PLAN")
    if not path:
        raise RuntimeError(
            "LOAD_TEST_PLAN is not set. Run the load test with "
            "bench/load_test.py, which writes the plan and sets it."
        )
    with open(path, encoding="utf-8") as plan_file:
        return json.load(plan_file)


PLAN = _load_plan()


def _send_secure_cookies_over_loopback(policy, cookie, request):
    return True


# Sends ``Secure`` cookies over loopback, where nginx's TLS would be. Set on
# the class, for this load generator's process only: requests copies the
# session's cookies into a new jar, with the default policy, for every request
# and every redirect, so a policy set on the session's jar is not used.
http.cookiejar.DefaultCookiePolicy.return_ok_secure = _send_secure_cookies_over_loopback


def warm_up(host: str) -> None:
    """Open every page a few times before the simulated users start.

    A gunicorn worker loads the URLs and compiles each template on its first
    request, which would otherwise count against the first users' figures.
    ``bench/load_test.py`` runs this file as a script for it, before locust.
    """
    lawyer, portal_user = PLAN["lawyers"][0], PLAN["portal_users"][0]
    staff_pages = [
        "/clients/",
        f"/clients/{lawyer['clients'][0]['id']}/",
        "/clients/matters/",
        f"/clients/matters/{lawyer['matters'][0]}/",
        "/clients/timesheet/",
    ]
    manager_pages = ["/kpis/", "/clients/key-accounts/ranking/"]
    manager_pages += [f"/kpis/{code}/" for code in PLAN["kpi_codes"]]
    manager_pages += [f"/surveys/rounds/{pk}/results/" for pk in PLAN["rounds"][:1]]
    portal_pages = ["/portal/", "/portal/guidance/"]
    portal_pages += [
        f"/portal/guidance/{slug}/" for slug in portal_user["articles"][:1]
    ]
    visits = [
        (STAFF_SIGN_IN, lawyer["email"], staff_pages),
        (STAFF_SIGN_IN, PLAN["managers"][0]["email"], manager_pages),
        (PORTAL_SIGN_IN, portal_user["email"], portal_pages),
    ]
    for sign_in_path, email, paths in visits:
        _visit(host, sign_in_path, email, paths)


def _visit(host: str, sign_in_path: str, email: str, paths: list[str]) -> None:
    # Imported here, after locust has patched the standard library for gevent,
    # which it must do before anything imports ssl.
    import requests

    with requests.Session() as session:
        session.headers["X-Forwarded-Proto"] = "https"
        form = session.get(host + sign_in_path, timeout=60)
        token = CSRF_FIELD.search(form.text)
        if token is None:
            return
        session.post(
            host + sign_in_path,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": email,
                "password": PLAN["password"],
            },
            headers={"Referer": _as_https(form.url)},
            timeout=60,
        )
        for _round in range(PLAN["warm_up_rounds"]):
            for path in paths:
                session.get(host + path, timeout=60)


def _as_https(url: str) -> str:
    # The page's address as the browser saw it, through nginx.
    return re.sub(r"^http://", "https://", url)


class SignedInUser(HttpUser):
    """A user who signs in once through the form, then browses."""

    abstract = True
    # A person reads a page for a few seconds before the next click.
    wait_time = between(1, 4)
    sign_in_path = STAFF_SIGN_IN
    accounts: itertools.cycle

    def on_start(self):
        self.account = next(self.accounts)
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.sign_in()

    def sign_in(self):
        form = self.open(self.sign_in_path, "sign-in form", signed_in=False)
        if form is None:
            return
        self.submit(
            self.sign_in_path,
            "sign in",
            form,
            {"username": self.account["email"], "password": PLAN["password"]},
        )

    def open(self, path: str, name: str, *, signed_in: bool = True):
        """GET a page, and fail the request if the response is another page."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if signed_in and "/sign-in/" in response.url:
                response.failure(f"signed out: sent to {response.url}")
                return None
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            response.success()
            return response

    def submit(self, path: str, name: str, page, data: dict):
        """POST a form with the CSRF token of ``page``, as a browser sends it."""
        token = CSRF_FIELD.search(page.text)
        if token is None:
            # Reported under the form's name, so the missing token is counted.
            self.environment.events.request.fire(
                request_type="POST",
                name=name,
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"no CSRF token on {page.url}"),
                context={},
            )
            return None
        headers = {"Referer": _as_https(page.url)}
        fields = {"csrfmiddlewaretoken": token.group(1), **data}
        with self.client.post(
            path, data=fields, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200 or "/sign-in/" in response.url:
                response.failure(f"status {response.status_code} at {response.url}")
                return None
            response.success()
            return response


class Lawyer(SignedInUser):
    """A fee earner: logs client contacts and records time."""

    weight = 3
    accounts = itertools.cycle(PLAN["lawyers"])

    def on_start(self):
        super().on_start()
        self.clients = self.account["clients"]
        self.matters = self.account["matters"]

    @task(2)
    def client_list(self):
        self.open("/clients/", "client list")

    @task(3)
    def log_a_contact(self):
        client = random.choice(self.clients)
        page = self.open(f"/clients/{client['id']}/", "client page")
        if page is None:
            return
        occurred = dt.datetime.now(LONDON) - dt.timedelta(minutes=random.randint(5, 90))
        self.submit(
            f"/clients/{client['id']}/log/",
            "log a contact",
            page,
            {
                "log-channel": random.choice(["phone", "email", "video_call"]),
                "log-kind": random.choice(["service_query", "general"]),
                "log-occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
                "log-contacts": random.sample(client["contacts"], 1),
                "log-summary": "Discussed the progress of current instructions.",
                "log-outcome": "Client content; no action needed.",
                "log-follow_up_action": "",
                "log-follow_up_due": "",
            },
        )

    @task(1)
    def matter_list(self):
        self.open("/clients/matters/", "matter list")

    @task(3)
    def record_time(self):
        matter = random.choice(self.matters)
        page = self.open(f"/clients/matters/{matter}/", "matter page")
        if page is None:
            return
        self.submit(
            f"/clients/matters/{matter}/time/",
            "record time",
            page,
            {
                "time-worked_on": dt.datetime.now(LONDON).date().isoformat(),
                "time-minutes": str(random.choice([6, 12, 30, 48, 60, 90])),
                "time-activity": random.choice(["advice", "drafting", "research"]),
                "time-is_chargeable": "on",
                "time-note": "Reviewed the papers and advised.",
            },
        )

    @task(1)
    def timesheet(self):
        self.open("/clients/timesheet/", "timesheet")


class Manager(SignedInUser):
    """A practice manager or senior legal manager on the dashboards."""

    weight = 1
    accounts = itertools.cycle(PLAN["managers"])

    @task(3)
    def kpi_overview(self):
        self.open("/kpis/", "KPI overview")

    @task(3)
    def kpi_page(self):
        self.open(f"/kpis/{random.choice(PLAN['kpi_codes'])}/", "KPI page")

    @task(2)
    def key_account_ranking(self):
        self.open("/clients/key-accounts/ranking/", "key account ranking")

    @task(1)
    def survey_results(self):
        if PLAN["rounds"]:
            round_id = random.choice(PLAN["rounds"])
            self.open(f"/surveys/rounds/{round_id}/results/", "survey results")


class PortalUser(SignedInUser):
    """A contact at a client organisation, reading guidance in the portal."""

    weight = 1
    sign_in_path = PORTAL_SIGN_IN
    accounts = itertools.cycle(PLAN["portal_users"])

    @task(2)
    def portal_home(self):
        self.open("/portal/", "portal home")

    @task(2)
    def article_list(self):
        self.open("/portal/guidance/", "article list")

    @task(3)
    def article(self):
        # Only the articles whose audience includes this user's organisation.
        if self.account["articles"]:
            slug = random.choice(self.account["articles"])
            self.open(f"/portal/guidance/{slug}/", "article")


if __name__ == "__main__":
    warm_up(sys.argv[1])
