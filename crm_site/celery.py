"""The Celery application and the beat schedule.

Every setting comes from Django's settings module under the ``CELERY_``
prefix. Code on the request path queues tasks through ``enqueue`` or
``enqueue_on_commit`` below, which survive a broker outage; the latter queues
a task only once the surrounding transaction has committed.
"""

import functools
import logging
import os

from celery import Celery
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")

logger = logging.getLogger(__name__)

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task, *args) -> bool:
    """Queue ``task`` with ``args`` and return whether the broker accepted it.

    A broker outage must not break the page that queues a task, so a broker
    that cannot be reached is logged and reported as False. Every caller has
    a fallback: a scheduled sweep that does the same work later, or a message
    telling the user to try again.
    """
    try:
        task.apply_async(args)
    except BrokerError as error:
        logger.warning(
            "Task %s%r was not queued because the broker is unreachable: %s",
            task.name,
            args,
            error,
        )
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` once the current transaction commits, as ``enqueue`` does."""
    transaction.on_commit(functools.partial(enqueue, task, *args))


@app.on_after_finalize.connect
def add_beat_schedule(sender, **kwargs):
    from django.conf import settings

    # Celery logs an exception raised here and carries on with no schedule, so
    # a bad DIGEST_HOUR shows only as an error in the beat log.
    sender.conf.beat_schedule = {
        "follow-up-digest": {
            "task": "clients.tasks.send_follow_up_digests",
            "schedule": crontab(minute=0, hour=digest_hours(settings.DIGEST_HOUR)),
        },
        # Each lawyer's service promises at risk, once a week on Monday.
        "promises-at-risk-digest": {
            "task": "clients.tasks.send_promise_digests",
            "schedule": crontab(
                minute=0, hour=digest_hours(settings.DIGEST_HOUR), day_of_week="mon"
            ),
        },
        # Survey invitations and reminders. The sweep itself sends only in
        # working hours, and sends nothing twice however often it runs.
        "survey-reminders": {
            "task": "feedback.tasks.send_survey_reminders",
            "schedule": crontab(minute="*/15"),
            "options": {"expires": 15 * 60},
        },
        # The health endpoint reports the age of the last heartbeat. A
        # heartbeat not taken up within a minute is dropped, not piled up.
        "scheduler-heartbeat": {
            "task": "crm_site.tasks.record_heartbeat",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        # Owners of guidance articles whose review date has passed. Each
        # review date gets one reminder, so a missed day is caught up later.
        "article-review-reminders": {
            "task": "feedback.tasks.send_article_review_reminders",
            "schedule": crontab(minute=30, hour=8),
        },
        # Key account health and the weekly digest to owners and sponsors, on
        # Monday mornings. Later runs in the same week send nothing again.
        "key-account-digest": {
            "task": "clients.tasks.send_key_account_digests",
            "schedule": crontab(minute=15, hour="7,9,11", day_of_week="mon"),
        },
        # Key account health, stored each morning so lists show today's rating.
        "key-account-health": {
            "task": "clients.tasks.refresh_key_account_health",
            "schedule": crontab(minute=0, hour=6),
        },
        # The client ranking's figures, each night at 05:45. That is after
        # the KPI rollups and the retention run, so that their large scans of
        # time entries and contacts do not overlap, and clear of the hour
        # that clocks skip or repeat.
        "ranking-figures": {
            "task": "clients.tasks.refresh_ranking_figures",
            "schedule": crontab(minute=45, hour=5),
        },
        # KPI records of the current and previous periods, every night. The
        # rollup upserts, so the second run only refreshes the figures.
        "kpi-nightly-rollup": {
            "task": "kpis.tasks.run_nightly_rollup",
            "schedule": crontab(minute=30, hour="2,4"),
        },
        # Personal data past its retention period, once a night. A run that
        # fails is caught up by the next, which finds the same rows.
        "data-retention": {
            "task": "clients.tasks.apply_retention",
            "schedule": crontab(minute=15, hour=3),
        },
    }


def digest_hours(first_hour: int) -> str:
    """Return the crontab hours of the digest job: ``first_hour`` and the next two.

    The job is idempotent, so the later runs only send what an earlier one
    missed, for example while the scheduler was down. They stop at 23:00,
    because a run after midnight would send the next day's digest.
    """
    if not 0 <= first_hour <= 23:
        raise ImproperlyConfigured(
            f"DIGEST_HOUR {first_hour} is invalid. Set it to an hour from 0 to 23."
        )
    last_hour = min(first_hour + 2, 23)
    return ",".join(str(hour) for hour in range(first_hour, last_hour + 1))
