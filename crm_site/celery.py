"""The Celery application and the beat schedule.

Every setting comes from Django's settings module under the ``CELERY_``
prefix. Tasks use Celery's ``DjangoTask``, whose ``delay_on_commit`` queues a
task only once the surrounding transaction has committed.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def add_beat_schedule(sender, **kwargs):
    from django.conf import settings

    # The digest job is idempotent, so it also runs at the next two hours in
    # case the scheduler was down at the first one.
    digest_hours = ",".join(str(settings.DIGEST_HOUR + n) for n in range(3))
    sender.conf.beat_schedule = {
        "follow-up-digest": {
            "task": "clients.tasks.send_follow_up_digests",
            "schedule": crontab(minute=0, hour=digest_hours),
        },
    }
