"""The Celery application and the beat schedule.

Every setting comes from Django's settings module under the ``CELERY_``
prefix. Tasks use Celery's ``DjangoTask``, whose ``delay_on_commit`` queues a
task only once the surrounding transaction has committed.
"""

import os

from celery import Celery
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
