"""Time the survey reminder sweep against a plain loop sending the same emails.

``measure(database_url, redis_url, count)`` adds ``count`` due reminders to
the database: one open round of a survey of its own, with one invitation per
new contact, first emailed eight days ago in a round that reminds after seven.
Then it starts an SMTP sink on 127.0.0.1 and a real Celery worker on the
database, with Redis as the broker, and times the product's sweep task
(``feedback.tasks.send_survey_reminders``) until the sink has received
``count`` reminders. The tasks are queued back to back, as many as the sweep's
batch size needs, not every quarter of an hour as beat queues them, so the
figure is the sweep's own sending rate.

After that a child process times a plain loop over the same invitations: the
same rendering of each reminder (with a new token, as the sweep makes) sent
through Django's SMTP backend on one connection, with no claims. The loop runs
in a process of its own, as the worker does, so that the sink, which runs in
this process, does not compete with it for one interpreter lock.

The target is that the sweep sends at no less than half the plain loop's
rate. Other open rounds are paused during the measurement and reopened
afterwards, so the sweep sends only the prepared reminders, and the rows it
added are deleted at the end.

Django must be either not yet set up in the calling process, or set up on the
same database as ``database_url``.

    .venv/bin/python bench/reminder_sweep.py \\
        --url postgres://postgres@127.0.0.1:5432/legal_crm_bench_L \\
        --redis redis://127.0.0.1:6379/0 --count 10000
"""

import argparse
import datetime as dt
import json
import logging
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SWEEP_TASK = "feedback.tasks.send_survey_reminders"
TARGET_RATIO = 0.5
EMAIL_DOMAIN = "reminder-bench.example.org"

# Seconds to wait for one sweep task, and for the whole measurement.
TASK_TIMEOUT = 15 * 60.0
POLL_INTERVAL = 0.02


def measure(database_url: str, redis_url: str, count: int = 10_000) -> dict:
    """Return the sweep's and the plain loop's rates for ``count`` reminders."""
    _setup_django(database_url)
    from tests.live_services import SmtpSink

    # aiosmtpd logs every SMTP command at INFO, which would cost the sink
    # more time than receiving the message.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    prepared = _prepare(count)
    paused = _pause_other_rounds(prepared["round_id"])
    sink = SmtpSink()
    sink.start()
    try:
        sweep = _time_sweep(database_url, redis_url, sink, count)
        plain = _time_plain_loop(database_url, sink, prepared["round_id"], count)
    finally:
        sink.stop()
        _reopen(paused)
        _delete(prepared)

    ratio = sweep["rate"] / plain["rate"] if plain["rate"] else 0.0
    return {
        "count": count,
        "database": _vendor(),
        "sweep": sweep,
        "plain_loop": plain,
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "met": ratio >= TARGET_RATIO,
        "other_rounds_paused": len(paused),
    }


# Django in this process
# ---------------------------------------------------------------------------


def _setup_django(database_url: str) -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")
        django.setup()
        return

    from django.db import connection

    expected = _database_name(database_url)
    if str(connection.settings_dict["NAME"]) != expected:
        raise RuntimeError(
            f"Django is set up on database {connection.settings_dict['NAME']!r}, "
            f"not {expected!r}. Call measure() before setting Django up, or with "
            "the URL of the database it uses."
        )


def _database_name(database_url: str) -> str:
    import environ

    return str(environ.Env.db_url_config(database_url)["NAME"])


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


# The due reminders
# ---------------------------------------------------------------------------


def _prepare(count: int) -> dict:
    """Add one open round with ``count`` invitations whose first reminder is due."""
    from django.db import transaction
    from django.utils import timezone

    from clients.models import Client, Contact
    from feedback.models import Invitation, Survey, SurveyRound

    now = timezone.now()
    emailed = now - dt.timedelta(days=8)
    stamp = uuid.uuid4().hex[:8]
    with transaction.atomic():
        client = Client.objects.create(
            name=f"Reminder benchmark school {stamp}",
            kind=Client.Kind.SCHOOL,
            status=Client.Status.ACTIVE,
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    client=client,
                    full_name=f"Benchmark Contact {n}",
                    email=f"contact-{stamp}-{n}@{EMAIL_DOMAIN}",
                )
                for n in range(count)
            ],
            batch_size=2_000,
        )
        survey = Survey.objects.create(title=f"Reminder benchmark survey {stamp}")
        survey_round = SurveyRound.objects.create(
            survey=survey,
            name=f"Reminder benchmark round {stamp}",
            audience=SurveyRound.Audience.CONTACTS,
            opens_at=now - dt.timedelta(days=10),
            closes_at=now + dt.timedelta(days=30),
            max_reminders=2,
            reminder_interval_days=7,
            status=SurveyRound.Status.OPEN,
            launched_at=now - dt.timedelta(days=10),
        )
        Invitation.objects.bulk_create(
            [
                Invitation(
                    round=survey_round,
                    contact=contact,
                    sent_at=emailed,
                    last_emailed_at=emailed,
                    next_reminder_at=emailed + dt.timedelta(days=7),
                )
                for contact in contacts
            ],
            batch_size=2_000,
        )
    return {"client_id": client.pk, "survey_id": survey.pk, "round_id": survey_round.pk}


def _pause_other_rounds(round_id: int) -> list[int]:
    from feedback.models import SurveyRound

    others = SurveyRound.objects.filter(status=SurveyRound.Status.OPEN).exclude(
        pk=round_id
    )
    paused = list(others.values_list("pk", flat=True))
    SurveyRound.objects.filter(pk__in=paused).update(status=SurveyRound.Status.PAUSED)
    return paused


def _reopen(round_ids: list[int]) -> None:
    from feedback.models import SurveyRound

    SurveyRound.objects.filter(
        pk__in=round_ids, status=SurveyRound.Status.PAUSED
    ).update(status=SurveyRound.Status.OPEN)


def _delete(prepared: dict) -> None:
    from clients.models import Client
    from feedback.models import Survey, SurveyRound

    # The round first: it protects its survey, and its invitations (with
    # their tokens) go with it.
    SurveyRound.objects.filter(pk=prepared["round_id"]).delete()
    Survey.objects.filter(pk=prepared["survey_id"]).delete()
    Client.objects.filter(pk=prepared["client_id"]).delete()


# The sweep in a worker
# ---------------------------------------------------------------------------


def _worker_env(database_url: str, redis_url: str, email_url: str) -> dict:
    # Production settings as docs/deployment.md gives them, with the sink as
    # the SMTP server and sending allowed at any hour.
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm_site.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "SURVEY_WORKING_HOURS_ONLY": "false",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def _time_sweep(database_url: str, redis_url: str, sink, count: int) -> dict:
    from celery import Celery

    from feedback.surveys.sending import SWEEP_BATCH_SIZE
    from tests.live_services import LiveWorker, _delete_redis_keys_of

    queue = f"bench-sweep-{uuid.uuid4().hex}"
    env = _worker_env(database_url, redis_url, sink.url)
    log_dir = Path(tempfile.mkdtemp(prefix="reminder-sweep-"))
    worker = LiveWorker(queue=queue, env=env, log_path=log_dir / "worker.log")
    # Not the current app, so that shared tasks sent elsewhere in the same
    # process keep going through the project's app and its task routes.
    sender = Celery("reminder_sweep_bench", broker=redis_url, set_as_current=False)
    try:
        worker.wait_until_ready()
        before = len(sink.received)
        start = time.perf_counter()
        tasks = _sweep_until(sender, queue, worker, sink, before + count)
        elapsed = time.perf_counter() - start
        received = sink.received[before:]
    finally:
        worker.stop()
        sender.close()
        _delete_redis_keys_of(redis_url, queue)

    recipients = {rcpt for email in received for rcpt in email.rcpt_tos}
    return {
        "seconds": round(elapsed, 3),
        "rate": round(len(received) / elapsed, 1),
        "sent": len(received),
        "distinct_recipients": len(recipients),
        "tasks": tasks,
        "batch_size": SWEEP_BATCH_SIZE,
        "expected_tasks": math.ceil(count / SWEEP_BATCH_SIZE),
        "worker_log": str(worker.log_path),
    }


def _sweep_until(sender, queue: str, worker, sink, total: int) -> int:
    """Queue sweeps one after another until the sink has ``total`` emails.

    Returns the number of sweep tasks run. Stops with an error when a sweep
    finishes without sending anything, since the rest would never arrive.
    """
    tasks = 0
    while len(sink.received) < total:
        task_id = sender.send_task(SWEEP_TASK, queue=queue).id
        tasks += 1
        sent_before = len(sink.received)
        _wait_for_task(worker, task_id, sink, total)
        if len(sink.received) == sent_before:
            raise RuntimeError(
                f"Sweep task {task_id} sent nothing with "
                f"{total - len(sink.received)} reminders still expected. "
                f"Worker log: {worker.log_path}"
            )
    return tasks


def _wait_for_task(worker, task_id: str, sink, total: int) -> None:
    deadline = time.monotonic() + TASK_TIMEOUT
    while True:
        # The last sweep's last email ends the measurement; the task's own
        # log line comes a moment later.
        if len(sink.received) >= total:
            return
        log = worker.log()
        if f"[{task_id}] succeeded" in log:
            return
        if f"[{task_id}] raised" in log or worker.process.poll() is not None:
            raise RuntimeError(
                f"Sweep task {task_id} failed. Worker log: {worker.log_path}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Sweep task {task_id} did not finish in {TASK_TIMEOUT:.0f} s. "
                f"Worker log: {worker.log_path}"
            )
        time.sleep(POLL_INTERVAL)


# The plain loop in a child process
# ---------------------------------------------------------------------------


def _time_plain_loop(database_url: str, sink, round_id: int, count: int) -> dict:
    env = _worker_env(database_url, DEFAULT_REDIS_URL, sink.url)
    before = len(sink.received)
    completed = subprocess.run(
        [sys.executable, __file__, "plain-loop", "--round", str(round_id)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"The plain loop failed:\n{completed.stderr}")
    timing = json.loads(completed.stdout.strip().splitlines()[-1])
    received = len(sink.received) - before
    if received != count:
        raise RuntimeError(f"The plain loop sent {received} emails, not {count}.")
    return {
        "seconds": round(timing["seconds"], 3),
        "rate": round(received / timing["seconds"], 1),
        "sent": received,
    }


def plain_loop(round_id: int) -> float:
    """Render and send one reminder per invitation of a round; return seconds.

    The same rendering as the sweep (the sending module's own email builder,
    with a new token each), through Django's SMTP backend on one connection.
    """
    from django.core.mail import get_connection

    from feedback.models import Invitation
    from feedback.surveys import sending
    from feedback.surveys.tokens import new_token

    start = time.perf_counter()
    invitations = Invitation.objects.filter(round_id=round_id).select_related(
        "round__survey", "contact"
    )
    with get_connection() as smtp:
        for invitation in invitations.order_by("pk").iterator(chunk_size=2_000):
            token, _hash = new_token()
            message = sending._email(sending.EmailKind.REMINDER, invitation, token)
            smtp.send_messages([message])
    return time.perf_counter() - start


# Command line
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "plain-loop":
        import django

        django.setup()
        print(json.dumps({"seconds": plain_loop(args.round)}))
        return 0

    result = measure(args.url, args.redis, args.count)
    _print(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["met"] else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command", nargs="?", default="measure", choices=["measure", "plain-loop"]
    )
    parser.add_argument("--url", help="DATABASE_URL of a migrated database")
    parser.add_argument(
        "--redis", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--json", help="write the result to this file")
    parser.add_argument("--round", type=int, help=argparse.SUPPRESS)
    return parser


def _print(result: dict) -> None:
    sweep, plain = result["sweep"], result["plain_loop"]
    print(f"Reminders: {result['count']} on {result['database']}")
    print(
        f"Sweep:      {sweep['seconds']:8.1f} s  {sweep['rate']:7.1f} emails/s  "
        f"({sweep['tasks']} tasks of at most {sweep['batch_size']})"
    )
    print(f"Plain loop: {plain['seconds']:8.1f} s  {plain['rate']:7.1f} emails/s")
    verdict = "met" if result["met"] else "missed"
    print(
        f"Ratio {result['ratio']:.2f}; target at least {result['target_ratio']:.2f}: "
        f"{verdict}"
    )


if __name__ == "__main__":
    sys.exit(main())
