"""Celery tasks of the clients app. Each one calls a ``clients.services`` function."""

from celery import shared_task
from django.db import OperationalError

from . import services


# The name is the one the beat schedule in crm_site/celery.py uses. Sending is
# idempotent per lawyer and day, so retrying after a database outage is safe.
@shared_task(
    name="clients.tasks.send_follow_up_digests",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=15 * 60,
)
def send_follow_up_digests() -> int:
    """Send today's follow-up digests and return the number sent."""
    return services.send_follow_up_digests()
