"""Celery tasks of the kpis app. Each one calls a ``kpis.services`` function."""

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import services
from .periods import Period


# The name is the one the beat schedule in crm_site/celery.py uses. A rollup
# upserts, so a retry or a second worker running it at once is harmless.
@shared_task(
    name="kpis.tasks.run_nightly_rollup",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=60,
)
def run_nightly_rollup() -> int:
    """Compute the current and previous periods of every KPI."""
    return services.rollup_recent(today=timezone.localdate())


@shared_task(name="kpis.tasks.recompute_period", ignore_result=True)
def recompute_period(period_kind: str, period_start: str) -> int:
    """Compute every KPI for one period, given as its kind and ISO start date."""
    period = Period(period_kind, dt.date.fromisoformat(period_start))
    return services.rollup(periods=[period])
