"""Faults in the real services: Redis stopped, a worker killed, PostgreSQL restarted.

Each test starts the Redis, PostgreSQL or worker it breaks (tests/fault_services.py),
on a free port, and stops only that one. Survey emails go to an aiosmtpd sink
and are counted per recipient. The workers send at any hour
(``SURVEY_WORKING_HOURS_ONLY=false``), so the tests pass whenever they run.
"""

import datetime as dt
import http.client
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as BrowserlessClient
from django.urls import reverse
from django.utils import timezone

from clients.models import ImportJob, Interaction, Matter
from feedback import tasks
from feedback.models import Invitation

from .factories import (
    PASSWORD,
    ContactFactory,
    InvitationFactory,
    MatterFactory,
    SurveyRoundFactory,
)
from .fault_services import (
    HoldingSmtpSink,
    PostgresCluster,
    RedisServer,
    wait_until,
)
from .live_services import LOOPBACK, PROJECT_DIR, _free_loopback_port
from .survey_fixtures import build_survey

ANY_HOUR = {"SURVEY_WORKING_HOURS_ONLY": "false"}
WAIT_TIMEOUT = 30.0


# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test alone."""
    server = RedisServer(log_path=tmp_path / "redis.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(own_redis):
    # Overrides the suite's shared Redis, so the Celery app, the queue and the
    # workers of tests/live_services.py all use this test's own server.
    return own_redis.url


@pytest.fixture
def redis_outage(own_redis, celery_queue):
    """This test's Redis, running again after the test however it ended.

    The queue's clean-up, which runs next, needs it.
    """
    yield own_redis
    if own_redis.process.poll() is not None:
        own_redis.start()


def due_reminders(count):
    """Invitations emailed 8 days ago in a round that reminds after 7."""
    now = timezone.now()
    survey_round = SurveyRoundFactory(
        survey=build_survey(),
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=20),
        max_reminders=2,
        reminder_interval_days=7,
    )
    emailed = now - dt.timedelta(days=8)
    return [
        InvitationFactory(
            round=survey_round,
            sent_at=emailed,
            last_emailed_at=emailed,
            next_reminder_at=emailed + dt.timedelta(days=7),
        )
        for _ in range(count)
    ]


def emails_per_recipient(sink):
    return Counter(rcpt for email in sink.received for rcpt in email.rcpt_tos)


def run_sweeps(count):
    return [tasks.send_survey_reminders.delay().id for _ in range(count)]


# Redis stopped
# ---------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_outage_keeps_pages_working(
    redis_outage,
    start_live_worker,
    smtp_sink,
    celery_app_on_redis,
    settings,
    caplog,
    lawyer,
    practice_manager,
    portal_user,
    client_org,
):
    settings.REDIS_URL = redis_outage.url
    settings.IMPORT_BACKGROUND_ROWS = 0
    reminders = due_reminders(3)
    SurveyRoundFactory(survey=build_survey(), audience="matter_closed")
    matter = MatterFactory(
        client=client_org,
        client_contact=ContactFactory(client=client_org),
        responsible_lawyer=lawyer,
    )
    draft = SurveyRoundFactory(survey=build_survey(), status="draft", launched_at=None)
    draft.contacts.add(ContactFactory(client=client_org))
    worker = start_live_worker(env={**ANY_HOUR, "EMAIL_URL": smtp_sink.url})

    redis_outage.stop()
    with caplog.at_level(logging.WARNING, logger="crm_site.celery"):
        staff_pages_work_without_broker(lawyer, client_org, matter)
        manager_pages_work_without_broker(practice_manager, draft)
    portal_pages_work_without_broker(portal_user)

    not_queued = [r for r in caplog.records if "was not queued" in r.getMessage()]
    assert [r.args[0] for r in not_queued] == [
        "feedback.tasks.send_invitation",
        "feedback.tasks.send_round_invitations",
        "clients.tasks.check_import",
        "kpis.tasks.recompute_period",
    ]
    assert smtp_sink.received == []

    # The worker rode out the outage. The first sweep sends what was missed,
    # and the second finds nothing left to send.
    redis_outage.start()
    worker.wait_for_tasks(run_sweeps(2))

    first_emails = Invitation.objects.filter(reminders_sent=0)
    assert first_emails.count() == 2
    expected = [i.contact.email for i in [*reminders, *first_emails]]
    received = emails_per_recipient(smtp_sink)
    assert sorted(received) == sorted(expected)
    assert set(received.values()) == {1}
    assert Invitation.objects.filter(reminders_sent=1).count() == len(reminders)


def staff_pages_work_without_broker(lawyer, client_org, matter):
    http = BrowserlessClient()
    http.force_login(lawyer)
    for url in [
        reverse("home"),
        reverse("clients:list"),
        client_org.get_absolute_url(),
        reverse("clients:matter_list"),
    ]:
        assert http.get(url).status_code == 200, url

    health = http.get(reverse("health")).json()
    assert health["checks"]["broker"] == "failed"
    assert health["checks"]["database"] == "ok"

    contact = ContactFactory(client=client_org)
    logged = http.post(
        reverse("clients:quick_log", args=[client_org.pk]),
        {
            "log-channel": "phone",
            "log-kind": "service_query",
            "log-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "log-contacts": [contact.pk],
            "log-summary": "Asked about a tenancy",
        },
    )
    assert logged.status_code == 302
    assert Interaction.objects.filter(summary="Asked about a tenancy").exists()

    # The post-matter invitation is left for the sweep.
    closed = http.post(
        reverse("clients:matter_close", args=[matter.pk]),
        {"closed_on": timezone.localdate().isoformat()},
    )
    assert closed.status_code == 302
    matter.refresh_from_db()
    assert matter.status == Matter.Status.CLOSED
    invitation = Invitation.objects.get(matter_reference=matter.reference)
    assert invitation.sent_at is None


def manager_pages_work_without_broker(practice_manager, draft):
    http = BrowserlessClient()
    http.force_login(practice_manager)

    # The round's invitations are left for the sweep.
    launched = http.post(reverse("surveys:round_launch", args=[draft.pk]))
    assert launched.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "open"
    assert draft.invitations.get().sent_at is None

    content = b"Case ref,Fee earner email,Date,Minutes\r\nHW/1,a@example.org,x,15\r\n"
    imported = http.post(
        reverse("clients:import_create"),
        {"kind": "time_entries", "file": SimpleUploadedFile("time.csv", content)},
        follow=True,
    )
    assert imported.status_code == 200
    assert "the task queue is unavailable" in imported.content.decode()
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED

    recomputed = http.post(
        reverse("kpis:recompute"),
        {"kind": "month", "on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert recomputed.status_code == 200
    assert "the task queue is unavailable" in recomputed.content.decode()


def portal_pages_work_without_broker(portal_user):
    http = BrowserlessClient()
    http.force_login(portal_user)
    for name in ["home", "guidance", "matters", "feedback"]:
        url = reverse(f"portal:{name}")
        assert http.get(url).status_code == 200, url


# A worker killed mid-sweep
# ---------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_killed_worker_loses_and_repeats_nothing(
    own_redis, start_live_worker, celery_app_on_redis
):
    invitations = due_reminders(5)
    stalled = invitations[2].contact.email
    sink = HoldingSmtpSink(hold=stalled)
    sink.start()
    env = {**ANY_HOUR, "EMAIL_URL": sink.url}
    try:
        killed = start_live_worker(env=env)
        run_sweeps(1)
        wait_until(
            lambda: sink.holding.is_set() or killed.process.poll() is not None,
            timeout=WAIT_TIMEOUT,
            waiting_for="the sweep to reach the third reminder",
        )
        killed.fail_if_exited("the sweep to reach the third reminder")
        assert len(sink.received) == 2

        killed.process.kill()
        assert killed.process.wait(timeout=WAIT_TIMEOUT) == -9
        sink.release()
        # The killed worker's claim never committed, so two reminders are sent.
        wait_until(
            lambda: Invitation.objects.filter(reminders_sent=1).count() == 2,
            timeout=WAIT_TIMEOUT,
            waiting_for="the killed worker's claim to roll back",
        )

        restarted = start_live_worker(env=env)
        restarted.wait_for_tasks(run_sweeps(2))
    finally:
        sink.release()
        sink.stop()

    received = emails_per_recipient(sink)
    assert sorted(received) == sorted(i.contact.email for i in invitations)
    assert set(received.values()) == {1}
    for invitation in invitations:
        invitation.refresh_from_db()
        assert invitation.reminders_sent == 1
        assert invitation.tokens.count() == 1


# PostgreSQL restarted
# ---------------------------------------------------------------------------


@pytest.fixture
def postgres_cluster():
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.create_database("legal_crm")
        yield cluster
    finally:
        cluster.remove()


class WebServer:
    """gunicorn with one worker process, so every request reuses one connection."""

    def __init__(self, *, env: dict[str, str], log_path) -> None:
        self.port = _free_loopback_port()
        self.cookies: dict[str, str] = {}
        self._log_file = log_path.open("wb")
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "crm_site.wsgi",
            f"--bind={LOOPBACK}:{self.port}",
            "--workers=1",
            "--timeout=30",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                self._answers,
                timeout=WAIT_TIMEOUT,
                waiting_for=f"gunicorn to start; see {log_path}",
            )
        except BaseException:
            # The caller has no server object yet, so it cannot stop this one.
            self.stop()
            raise

    def request(self, method, path, form=None, *, anonymous=False):
        """Send a request as a browser would over HTTPS behind nginx."""
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if self.cookies and not anonymous:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1{path}"
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", reverse("accounts:login"))
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = {"csrfmiddlewaretoken": token, "username": email, "password": password}
        status, page = self.request("POST", reverse("accounts:login"), form)
        assert status == 302, page

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT_TIMEOUT)
        self._log_file.close()

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited. Its log:\n{self.log_path.read_text()}")
        try:
            return self.request("GET", reverse("accounts:login"))[0] == 200
        except OSError:
            return False


def app_environment(database_url: str) -> dict[str, str]:
    """The web server's environment, with this test's database and no Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "EMAIL_URL", "DATABASE_URL"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "crm_site.settings",
        "DATABASE_URL": database_url,
        # DEBUG stays on only because a test run builds no manifest of
        # collected static files. The database settings are production's.
        "DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.services
def test_postgres_restart_recovered_without_app_restart(postgres_cluster, tmp_path):
    env = app_environment(postgres_cluster.url("legal_crm"))
    # One process for both steps, because starting Django takes seconds.
    manage(
        env,
        "shell",
        "-c",
        "from django.core.management import call_command; "
        "call_command('migrate', interactive=False, verbosity=0); "
        "from tests.factories import StaffFactory; "
        "StaffFactory(email='lawyer@example.org')",
    )
    web = WebServer(env=env, log_path=tmp_path / "gunicorn.log")
    try:
        web.sign_in("lawyer@example.org", PASSWORD)
        assert web.request("GET", reverse("clients:list"))[0] == 200

        # The worker's connection to the database dies with the restart. The
        # very next request must reconnect rather than fail.
        postgres_cluster.restart()
        status, page = web.request("GET", reverse("clients:list"))
        assert status == 200, page

        # While the database is down pages fail, and come back with it.
        postgres_cluster.stop()
        status, _page = web.request("GET", reverse("health"), anonymous=True)
        assert status == 503
        postgres_cluster.start()
        status, page = web.request("GET", reverse("clients:list"))
        assert status == 200, page
        assert web.process.poll() is None
    finally:
        web.stop()
