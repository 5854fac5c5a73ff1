"""The checks behind the health endpoint, each returning "ok" or "failed".

A failed check logs why, and the endpoint's response names only the check
that failed, because anyone may request it without signing in.
"""

import logging
import tempfile

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.models import SchedulerHeartbeat

from .tasks import HEARTBEAT_NAME

logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
# Seconds to wait for Redis, so that a hung broker cannot hang the check.
REDIS_TIMEOUT = 2


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check failed: database: %s", error)
        return FAILED
    return OK


def check_broker() -> str:
    """PING Redis when ``REDIS_URL`` is set, else write to the broker's folder."""
    if settings.REDIS_URL:
        return _check_redis(settings.REDIS_URL)
    return _check_broker_folder(
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    )


def _check_redis(url: str) -> str:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as error:
        logger.warning("Health check failed: broker: %s", error)
        return FAILED
    finally:
        client.close()
    return OK


def _check_broker_folder(folder: str) -> str:
    # The filesystem transport reads only files named *.<queue>.msg, so it
    # never takes this probe for a message.
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-", suffix=".tmp"):
            pass
    except OSError as error:
        logger.warning("Health check failed: broker folder %s: %s", folder, error)
        return FAILED
    return OK


def scheduler_age_seconds() -> int | None:
    """Return the seconds since the last heartbeat, or None if there is none."""
    try:
        beat_at = (
            SchedulerHeartbeat.objects.filter(name=HEARTBEAT_NAME)
            .values_list("beat_at", flat=True)
            .first()
        )
    except DatabaseError as error:
        logger.warning("Health check failed: scheduler heartbeat: %s", error)
        return None
    if beat_at is None:
        return None
    return max(0, int((timezone.now() - beat_at).total_seconds()))


def check_scheduler(age_seconds: int | None) -> str:
    if age_seconds is None or age_seconds > settings.HEALTH_SCHEDULER_MAX_AGE_SECONDS:
        return FAILED
    return OK
