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


# Imports. Each step checks the job's status first, so a task delivered twice
# does nothing the second time, and applying writes in one transaction.
@shared_task(name="clients.tasks.check_import", ignore_result=True)
def check_import(job_id: int) -> None:
    """Check an uploaded file row by row, recording progress on the job."""
    from .importing import runner

    runner.check_job(job_id=job_id)


@shared_task(name="clients.tasks.apply_import", ignore_result=True)
def apply_import(job_id: int) -> None:
    """Write every valid row of a checked import job, or none."""
    from .importing import runner

    runner.apply_job(job_id=job_id)


# Key accounts. Health is refreshed and the digest sent once per person per
# week, however often beat runs this, so a retry is safe.
@shared_task(
    name="clients.tasks.send_key_account_digests",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=15 * 60,
)
def send_key_account_digests() -> int:
    """Refresh key account health and send this week's digests; return how many."""
    from . import services_key_accounts

    return services_key_accounts.send_key_account_digests()


# The beat schedule in crm_site/celery.py runs this on Mondays. Sending is
# idempotent per lawyer and week, so retrying after a database outage is safe.
@shared_task(
    name="clients.tasks.send_promise_digests",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=15 * 60,
)
def send_promise_digests() -> int:
    """Send this week's digests of service promises at risk."""
    from . import services_promises

    return services_promises.send_promise_digests()


@shared_task(
    name="clients.tasks.refresh_key_account_health",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
)
def refresh_key_account_health() -> int:
    """Store today's health of every key account; return how many changed."""
    from django.utils import timezone

    from . import services_key_accounts

    return services_key_accounts.refresh_health(today=timezone.localdate())


# The client ranking's figures, each night and on a manager's request. Every
# client's row is upserted in one transaction, so a retry, or a second run
# at the same time, leaves the same rows.
@shared_task(
    name="clients.tasks.refresh_ranking_figures",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
)
def refresh_ranking_figures() -> int:
    """Store every client's ranking figures as of today and return the count."""
    from django.utils import timezone

    from . import services_key_accounts

    return services_key_accounts.refresh_ranking_figures(today=timezone.localdate())


# Retention. Each rule only matches rows it has not yet treated, so a second
# run, or a retry after a database outage, changes nothing more.
@shared_task(
    name="clients.tasks.apply_retention",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=15 * 60,
)
def apply_retention() -> dict[str, dict[str, int]]:
    """Anonymise or delete personal data past its retention period."""
    from .privacy import retention

    return {
        result.record_type: {"anonymised": result.anonymised, "deleted": result.deleted}
        for result in retention.apply_retention()
    }
