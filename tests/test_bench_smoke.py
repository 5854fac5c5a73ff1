"""A small run of the benchmark command, so that the harness cannot rot.

It runs ``bench/run.py`` at scale tiny with few requests, on a database of
its own on the PostgreSQL server of ``DATABASE_URL``, which it drops at the
end. It checks that every step ran and every page responded, never how fast:
speed is for ``docs/benchmarks.md``, not for tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.pages import PAGES

PROJECT_DIR = Path(__file__).resolve().parent.parent
RUN_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    message = (
        "The benchmark smoke run needs PostgreSQL, because the harness loads "
        "with COPY. Install and start PostgreSQL (apt-get install postgresql) "
        "and set DATABASE_URL, for example "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def smoke_results(postgres_url, tmp_path_factory):
    """Run the command once at scale tiny and return the JSON it wrote."""
    path = tmp_path_factory.mktemp("bench") / "results.json"
    command = [
        sys.executable, "bench/run.py", "--scale", "tiny", "--url", postgres_url,
        "--database", f"legal_crm_bench_smoke_{os.getpid()}", "--drop",
        "--repeat", "2", "--warmup", "1", "--seconds", "0.5",
        "--import-rows", "100", "--skip", "sweep", "--json", str(path),
    ]  # fmt: skip
    completed = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(path.read_text())


def test_benchmark_measures_every_page(smoke_results):
    measured = {page["key"]: page for page in smoke_results["pages"]}

    assert list(measured) == [page.key for page in PAGES]
    # The reference view, which takes turns with the pages.
    assert smoke_results["pages_reference"]["status"] == [200]
    assert smoke_results["pages_reference"]["requests"] == 2
    for key, page in measured.items():
        assert page["status"] == [200], key
        assert page["requests"] == 2, key
        assert page["queries"] > 0, key


def test_benchmark_serves_pages_through_gunicorn(smoke_results):
    throughput = smoke_results["throughput"]

    assert throughput["trivial"]["requests_per_second"] > 0
    assert throughput["signed_in_trivial"]["requests_per_second"] > 0
    # A slow page may finish no request inside the short window of a smoke
    # run, so the untimed requests before it show that gunicorn served it.
    for key, page in throughput["pages"].items():
        assert page["warmup_statuses"] == [200], key
        assert page["errors"] == 0, key
        # Every role passes the signed-in view's sign-in check.
        assert page["signed_in_errors"] == 0, key
        assert page["signed_in_requests_per_second"] > 0, key


def test_benchmark_times_rollups_and_import(smoke_results):
    assert smoke_results["rollups"]["financial_year"]["records"] > 0
    assert smoke_results["rollups"]["month"]["records"] > 0
    assert smoke_results["import"]["rows"] == 100
    assert smoke_results["counts"]["time_entries"] == 3000


def test_benchmark_reports_each_target(smoke_results):
    verdicts = {item["target"]: item["met"] for item in smoke_results["targets"]}

    assert len(verdicts) >= 8
    assert all(met in (True, False, None) for met in verdicts.values())
