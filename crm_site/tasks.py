"""Celery tasks of the site as a whole."""

from celery import shared_task
from django.utils import timezone

from accounts.models import SchedulerHeartbeat

HEARTBEAT_NAME = "beat"


# Beat sends this every minute (see crm_site/celery.py). Each run overwrites
# one row, so a run that comes twice or late does no harm.
@shared_task(name="crm_site.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat() -> None:
    """Store the current time as the scheduler's latest heartbeat."""
    SchedulerHeartbeat.record(name=HEARTBEAT_NAME, at=timezone.now())
