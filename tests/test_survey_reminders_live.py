"""The survey sweep in real Celery workers over Redis, sending to a real SMTP sink.

Each test counts the emails the sink received. The workers send at any hour
(``SURVEY_WORKING_HOURS_ONLY=false``), so the tests pass whenever they run;
tests/test_survey_reminders.py covers the working hours.
"""

import datetime as dt
import re
from collections import Counter

import pytest
from django.utils import timezone

from feedback import tasks
from feedback.models import Invitation

from .factories import ContactFactory, InvitationFactory, SurveyRoundFactory
from .live_services import _free_loopback_port, wait_for_tasks
from .survey_fixtures import build_survey

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ANY_HOUR = {"SURVEY_WORKING_HOURS_ONLY": "false"}
DUE_COUNT = 12


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
    contacts = ContactFactory.create_batch(count)
    return [
        InvitationFactory(
            round=survey_round,
            contact=contact,
            sent_at=emailed,
            last_emailed_at=emailed,
            next_reminder_at=emailed + dt.timedelta(days=7),
        )
        for contact in contacts
    ]


def emails_per_recipient(smtp_sink):
    return Counter(rcpt for email in smtp_sink.received for rcpt in email.rcpt_tos)


def run_sweeps(count):
    return [tasks.send_survey_reminders.delay().id for _ in range(count)]


def assert_one_reminder_each(smtp_sink, invitations):
    received = emails_per_recipient(smtp_sink)
    assert sorted(received) == sorted(i.contact.email for i in invitations)
    assert set(received.values()) == {1}
    assert len(smtp_sink.received) == len(invitations)
    reminded = Invitation.objects.filter(reminders_sent=1)
    assert reminded.count() == len(invitations)


def test_sweep_twice_sends_each_reminder_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    invitations = due_reminders(DUE_COUNT)
    worker = start_live_worker(env={**ANY_HOUR, "EMAIL_URL": smtp_sink.url})

    worker.wait_for_tasks(run_sweeps(1))
    worker.wait_for_tasks(run_sweeps(1))

    assert_one_reminder_each(smtp_sink, invitations)
    subjects = {email.message["Subject"] for email in smtp_sink.received}
    assert all(subject.startswith("Reminder: ") for subject in subjects)


def test_two_workers_sweeping_at_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    invitations = due_reminders(DUE_COUNT * 3)
    env = {**ANY_HOUR, "EMAIL_URL": smtp_sink.url}
    workers = [start_live_worker(env=env), start_live_worker(env=env)]

    # Four sweeps at once: each worker takes one, then the next.
    task_ids = run_sweeps(4)
    wait_for_tasks(task_ids, workers)

    assert_one_reminder_each(smtp_sink, invitations)
    logs = "\n".join(worker.log() for worker in workers)
    sent = [
        int(n) for n in re.findall(r"Survey sweep: \d+ invitations and (\d+)", logs)
    ]
    assert len(sent) == 4
    assert sum(sent) == len(invitations)


def test_sweep_after_send_failure_sends_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    invitations = due_reminders(DUE_COUNT)
    # Nothing listens on this port, so every send fails to connect.
    dead_smtp = f"smtp://127.0.0.1:{_free_loopback_port()}"
    failing = start_live_worker(env={**ANY_HOUR, "EMAIL_URL": dead_smtp})

    failing.wait_for_tasks(run_sweeps(1))

    assert smtp_sink.received == []
    assert not Invitation.objects.filter(reminders_sent__gt=0).exists()
    assert "a later run will retry" in failing.log()
    failing.stop()

    working = start_live_worker(env={**ANY_HOUR, "EMAIL_URL": smtp_sink.url})
    working.wait_for_tasks(run_sweeps(2))

    assert_one_reminder_each(smtp_sink, invitations)
