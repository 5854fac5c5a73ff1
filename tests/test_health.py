"""The health endpoint: database, broker and scheduler, for a load balancer."""

import datetime as dt
import json
import socket
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import SchedulerHeartbeat
from crm_site.celery import app
from crm_site.tasks import HEARTBEAT_NAME, record_heartbeat

HEALTH = reverse("health")
ALL_OK = {"database": "ok", "broker": "ok", "scheduler": "ok"}


def beat(seconds_ago):
    return SchedulerHeartbeat.objects.create(
        name=HEARTBEAT_NAME,
        beat_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


def closed_port():
    """Return a loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def folder_broker(settings, tmp_path):
    """The filesystem broker, in a folder of this test's own."""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    return tmp_path


def test_health_ok_with_redis(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    beat(seconds_ago=10)

    response = client.get(HEALTH)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": ALL_OK,
        "scheduler_age_seconds": 10,
    }


def test_health_ok_with_folder_broker(client, db, folder_broker):
    beat(seconds_ago=0)

    response = client.get(HEALTH)

    assert response.status_code == 200
    assert response.json()["checks"] == ALL_OK


def test_folder_probe_leaves_no_file(client, db, folder_broker):
    client.get(HEALTH)

    assert list(folder_broker.iterdir()) == []


def test_health_reports_database_failure(client, db, folder_broker):
    beat(seconds_ago=0)

    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["status"] == "failed"
    assert response.json()["checks"]["database"] == "failed"


def test_health_reports_redis_down(client, db, settings):
    settings.REDIS_URL = f"redis://:broker-secret@127.0.0.1:{closed_port()}/0"
    beat(seconds_ago=0)

    response = client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["checks"] == {**ALL_OK, "broker": "failed"}
    assert b"broker-secret" not in response.content


def test_health_reports_missing_broker_folder(client, db, folder_broker, settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(folder_broker / "missing")
    }
    beat(seconds_ago=0)

    response = client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed"


@pytest.mark.parametrize(
    ("seconds_ago", "result", "status"),
    [(0, "ok", 200), (300, "ok", 200), (301, "failed", 503), (3600, "failed", 503)],
)
def test_scheduler_check_by_heartbeat_age(
    client, db, folder_broker, seconds_ago, result, status
):
    beat(seconds_ago=seconds_ago)

    response = client.get(HEALTH)

    assert response.status_code == status
    assert response.json()["checks"]["scheduler"] == result
    assert response.json()["scheduler_age_seconds"] == seconds_ago


def test_scheduler_fails_without_heartbeat(client, db, folder_broker):
    response = client.get(HEALTH)

    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"] == "failed"
    assert response.json()["scheduler_age_seconds"] is None


def test_scheduler_age_limit_from_settings(client, db, folder_broker, settings):
    settings.HEALTH_SCHEDULER_MAX_AGE_SECONDS = 30
    beat(seconds_ago=31)

    response = client.get(HEALTH)

    assert response.json()["checks"]["scheduler"] == "failed"


def test_health_needs_no_sign_in(client, db, folder_broker):
    beat(seconds_ago=0)

    response = client.get(HEALTH)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_health_is_never_cached(client, db, folder_broker):
    response = client.get(HEALTH)

    assert "no-store" in response["Cache-Control"]


def test_health_rejects_post(client, db):
    response = client.post(HEALTH)

    assert response.status_code == 405


def test_health_answers_plain_http(client, db, folder_broker, settings):
    # With DEBUG off the site redirects HTTP to HTTPS, but a load balancer
    # polls the health endpoint without TLS.
    settings.SECURE_SSL_REDIRECT = True
    beat(seconds_ago=0)

    health = client.get(HEALTH)
    home = client.get(reverse("home"))

    assert health.status_code == 200
    assert home.status_code == 301


def test_heartbeat_task_keeps_one_row(db):
    first = timezone.now()
    later = first + dt.timedelta(minutes=1)

    with mock.patch("django.utils.timezone.now", return_value=first):
        record_heartbeat()
    with mock.patch("django.utils.timezone.now", return_value=later):
        record_heartbeat()

    assert list(SchedulerHeartbeat.objects.values_list("name", "beat_at")) == [
        (HEARTBEAT_NAME, later)
    ]


def test_beat_sends_heartbeat_every_minute():
    entry = app.conf.beat_schedule["scheduler-heartbeat"]

    assert entry["task"] == "crm_site.tasks.record_heartbeat"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] == 60


@pytest.mark.services
def test_worker_heartbeat_makes_scheduler_ok(
    client, start_live_worker, celery_app_on_redis, settings, redis_url
):
    settings.REDIS_URL = redis_url
    worker = start_live_worker()

    result = app.tasks["crm_site.tasks.record_heartbeat"].delay()
    worker.wait_for_tasks([result.id])
    response = client.get(HEALTH)

    assert json.loads(response.content)["checks"] == ALL_OK
    assert f"task={result.id}" in worker.log()
