"""Small runs of the load test and the reminder sweep benchmark.

They keep ``bench/load_test.py``, ``bench/locustfile.py`` and
``bench/reminder_sweep.py`` working: a few simulated users for a few seconds
against gunicorn, and a sweep of a few reminders through a real worker. They
check that every request and email went through, never how fast: the
figures belong in ``docs/benchmarks.md``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench import reminder_sweep

from .live_services import database_url_for_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOAD_TEST_TIMEOUT_SECONDS = 300
SMOKE_USERS = 5


@pytest.fixture
def generated_data(transactional_db, seeded_kpi_definitions, settings):
    """The tiny scale of bench/datagen.py, loaded into the test database.

    The passwords are hashed as the product hashes them, because gunicorn
    checks them with the product's settings, not the tests' fast hasher.
    The KPI definitions are seeded again because an earlier transactional
    test may have flushed the rows that the data migration added.
    """
    if connection.vendor != "postgresql":
        message = (
            "The load test smoke run needs PostgreSQL, because the data "
            "generator loads with COPY. Install and start PostgreSQL "
            "(apt-get install postgresql) and set DATABASE_URL, for example "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from bench import datagen
    from crm_site import settings as product_settings

    settings.PASSWORD_HASHERS = product_settings.PASSWORD_HASHERS
    datagen.load(datagen.SCALES["tiny"], log=lambda *_args: None)


@pytest.fixture
def load_test_results(generated_data, redis_url, tmp_path):
    path = tmp_path / "load-test.json"
    command = [
        sys.executable,
        "bench/load_test.py",
        f"--url={database_url_for_worker()}",
        f"--redis={redis_url}",
        f"--users={SMOKE_USERS}",
        f"--spawn-rate={SMOKE_USERS}",
        "--run-time=8s",
        "--warm-up-rounds=1",
        f"--json={path}",
    ]
    completed = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=LOAD_TEST_TIMEOUT_SECONDS,
        check=False,
    )
    # Exit status 1 means a target was missed, which a smoke run may do.
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    assert path.exists(), completed.stdout + completed.stderr
    return json.loads(path.read_text())


def test_load_test_users_sign_in_and_work(load_test_results):
    requests = {row["name"]: row for row in load_test_results["requests"]}

    assert load_test_results["failures"] == []
    assert load_test_results["errors"] == 0
    assert requests["sign-in form"]["requests"] == SMOKE_USERS
    assert requests["sign in"]["requests"] == SMOKE_USERS
    assert load_test_results["accounts"]["lawyers"] > 0
    assert load_test_results["total"]["requests"] > SMOKE_USERS * 2


def test_sweep_benchmark_sends_each_reminder_once(redis_url):
    result = reminder_sweep.measure(database_url_for_worker(), redis_url, count=30)

    assert result["sweep"]["sent"] == 30
    assert result["sweep"]["distinct_recipients"] == 30
    assert result["plain_loop"]["sent"] == 30
    assert result["sweep"]["rate"] > 0
    assert result["plain_loop"]["rate"] > 0
