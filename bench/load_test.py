"""Load test: locust's simulated users against gunicorn, PostgreSQL and Redis.

Runs against a database that ``bench/datagen.py`` built, such as
``legal_crm_bench_l``. It starts, all on 127.0.0.1 and stopped at the end:

- gunicorn with the deployment guide's settings (``bench.throughput``'s
  ``Gunicorn``: three workers, ``DEBUG`` off), with Redis as the broker;
- a real Celery worker on the same database and Redis, for what the pages
  queue;
- an SMTP sink, so that any email the application sends stays on loopback;
- locust, headless, with the users of ``bench/locustfile.py``: lawyers
  logging contacts and time, managers on the KPI dashboards and portal users
  reading guidance, 50 users for 2 minutes by default.

It prints the requests, errors, median and 95th percentile of each request
type, checks the target (no errors, and a 95th percentile under 500 ms for
every request type) and writes the figures as JSON. The users' contacts and
time entries stay in the database, a few hundred rows at the default size.

    .venv/bin/python bench/load_test.py \\
        --url postgres://postgres@127.0.0.1:5432/legal_crm_bench_l
"""

import argparse
import csv
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment

PROJECT_DIR = environment.PROJECT_DIR
LOCUSTFILE = PROJECT_DIR / "bench" / "locustfile.py"
RESULTS_DIR = PROJECT_DIR / "var" / "bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

MAX_P95_MS = 500
# Accounts the simulated users share; each signs in with its own session.
LAWYER_ACCOUNTS = 12
PORTAL_ACCOUNTS = 10
RECORDS_PER_ACCOUNT = 5
# Seconds locust may take beyond the run time to stop its users and report,
# and that the warm-up before it may take.
LOCUST_GRACE_SECONDS = 120
WARM_UP_TIMEOUT = 300
# Requests of each page before the measured run: each of gunicorn's workers
# takes one connection at a time, in no set order, so a few rounds reach all.
WARM_UP_ROUNDS = 8


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result = run(
        args.url,
        redis_url=args.redis,
        users=args.users,
        run_time=args.run_time,
        spawn_rate=args.spawn_rate,
        warm_up_rounds=args.warm_up_rounds,
    )
    report(result)
    path = Path(args.json) if args.json else _default_json_path(args.url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWrote {path}")
    return 0 if result["met"] else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="DATABASE_URL of a database datagen built"
    )
    parser.add_argument(
        "--redis", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--run-time", default="2m", help="locust's form: 30s, 2m")
    # Staff sign in over a morning, not all at once, and each sign-in's
    # Argon2 check is slow by design and uses both cores.
    parser.add_argument(
        "--spawn-rate", type=float, default=1, help="users started per second"
    )
    parser.add_argument(
        "--warm-up-rounds",
        type=int,
        default=WARM_UP_ROUNDS,
        help="requests of each page before the measured run",
    )
    parser.add_argument("--json", help="where to write the results")
    return parser


def _default_json_path(database_url: str) -> Path:
    name = database_url.rstrip("/").rsplit("/", 1)[-1]
    return RESULTS_DIR / f"load-test-{name}.json"


def run(
    database_url: str,
    *,
    redis_url: str = DEFAULT_REDIS_URL,
    users: int = 50,
    run_time: str = "2m",
    spawn_rate: float = 5,
    warm_up_rounds: int = WARM_UP_ROUNDS,
) -> dict:
    """Serve the application and run locust against it; return the figures."""
    from tests.live_services import SmtpSink

    # gunicorn and the worker inherit these through the environment.
    os.environ["REDIS_URL"] = redis_url
    environment.configure(database_url)
    environment.collect_static()
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    work_dir = Path(tempfile.mkdtemp(prefix="load-test-"))
    plan_path = work_dir / "plan.json"
    plan = build_plan() | {"warm_up_rounds": warm_up_rounds}
    plan_path.write_text(json.dumps(plan))

    sink = SmtpSink()
    sink.start()
    os.environ["EMAIL_URL"] = sink.url
    try:
        with (
            _CeleryWorker(database_url, redis_url, work_dir),
            _gunicorn(database_url) as web,
        ):
            started = time.monotonic()
            stats = run_locust(
                port=web.port,
                plan_path=plan_path,
                users=users,
                run_time=run_time,
                spawn_rate=spawn_rate,
                out_prefix=work_dir / "locust",
            )
            seconds = time.monotonic() - started
    finally:
        sink.stop()

    requests = stats["requests"]
    slow = [r["name"] for r in requests if r["p95_ms"] >= MAX_P95_MS]
    errors = sum(r["failures"] for r in requests)
    return {
        "database": database_url.rsplit("/", 1)[-1],
        "users": users,
        "run_time": run_time,
        "spawn_rate": spawn_rate,
        "seconds": round(seconds, 1),
        "accounts": {role: len(plan[role]) for role in ROLES},
        "requests": requests,
        "total": stats["total"],
        "failures": stats["failures"],
        "errors": errors,
        "slow": slow,
        "max_p95_ms": MAX_P95_MS,
        "met": errors == 0 and not slow and bool(requests),
        "emails_received": len(sink.received),
        "load_average": os.getloadavg(),
    }


# The accounts and records the simulated users work on
# ---------------------------------------------------------------------------

ROLES = ("lawyers", "managers", "portal_users")


def build_plan() -> dict:
    """Return the accounts of each role and the records each may work on."""
    from django.db import connection

    from bench import datagen
    from feedback.models import SurveyRound
    from kpis.models import KpiDefinition

    users = datagen.sample_users(connection)
    lawyers = [_lawyer(email) for email in users["lawyers"][:LAWYER_ACCOUNTS]]
    portal_users = [_portal_user(e) for e in users["portal_users"][:PORTAL_ACCOUNTS]]
    rounds = (
        SurveyRound.objects.filter(responses__isnull=False)
        .distinct()
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    plan = {
        "password": datagen.PASSWORD,
        "lawyers": [lawyer for lawyer in lawyers if lawyer["clients"]],
        "managers": [
            {"email": users["practice_manager"]},
            {"email": users["senior_legal_manager"]},
        ],
        "portal_users": portal_users,
        "kpi_codes": list(
            KpiDefinition.objects.order_by("code").values_list("code", flat=True)
        ),
        "rounds": list(rounds[:RECORDS_PER_ACCOUNT]),
    }
    _check_plan(plan)
    return plan


def _lawyer(email: str) -> dict:
    from accounts.models import User
    from clients.models import Client, Matter

    user = User.objects.get(email=email)
    owned = Client.objects.filter(
        relationship_owner=user, contacts__is_active=True
    ).distinct()
    clients = list(owned.order_by("pk")[:RECORDS_PER_ACCOUNT]) or list(
        Client.objects.filter(contacts__is_active=True)
        .distinct()
        .order_by("pk")[:RECORDS_PER_ACCOUNT]
    )
    open_matters = Matter.objects.filter(status=Matter.Status.OPEN)
    matters = list(
        open_matters.filter(responsible_lawyer=user)
        .order_by("pk")
        .values_list("pk", flat=True)[:RECORDS_PER_ACCOUNT]
    ) or list(
        open_matters.order_by("pk").values_list("pk", flat=True)[:RECORDS_PER_ACCOUNT]
    )
    return {
        "email": email,
        "clients": [
            {
                "id": client.pk,
                "contacts": list(
                    client.contacts.filter(is_active=True)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:RECORDS_PER_ACCOUNT]
                ),
            }
            for client in clients
        ],
        "matters": matters,
    }


def _portal_user(email: str) -> dict:
    from accounts.models import PortalMembership
    from feedback.models import Article

    kinds = set(
        PortalMembership.objects.filter(user__email=email).values_list(
            "client__kind", flat=True
        )
    )
    articles = Article.objects.published()
    if len(kinds) == 1:
        articles = articles.for_client_kind(kinds.pop())
    else:
        # The portal shows one organisation at a time; articles for all
        # clients are visible whichever it is.
        articles = articles.filter(audience=Article.Audience.ALL_CLIENTS)
    slugs = articles.order_by("pk").values_list("slug", flat=True)
    return {"email": email, "articles": list(slugs[: RECORDS_PER_ACCOUNT * 2])}


def _check_plan(plan: dict) -> None:
    missing = [role for role in ROLES if not plan[role]]
    if not plan["lawyers"] or any(not lawyer["matters"] for lawyer in plan["lawyers"]):
        missing.append("lawyers with clients and open matters")
    if not plan["kpi_codes"]:
        missing.append("KPI definitions")
    if missing:
        raise RuntimeError(
            f"The database has no {', '.join(missing)}. Build it with "
            "bench/datagen.py first."
        )


# The servers
# ---------------------------------------------------------------------------


def _gunicorn(database_url: str):
    from bench.throughput import Gunicorn

    return Gunicorn(database_url)


class _CeleryWorker:
    """A Celery worker on the default queue, as production runs one.

    NOTE: it also runs any task that another process left on that queue in
    the same Redis database, on this database.
    """

    def __init__(self, database_url: str, redis_url: str, work_dir: Path) -> None:
        self.env = {
            **os.environ,
            **environment.server_environment(database_url),
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.log_path = work_dir / "worker.log"
        self.worker = None

    def __enter__(self):
        from tests.live_services import LiveWorker

        # The worker's hostname must be unique on the broker, so that two
        # runs on one Redis do not take each other for the same worker.
        self.worker = LiveWorker(
            queue="celery",
            env=self.env,
            log_path=self.log_path.with_name(f"worker-{uuid.uuid4().hex[:8]}.log"),
        )
        self.worker.wait_until_ready()
        return self.worker

    def __exit__(self, *exc_info):
        self.worker.stop()


# Locust
# ---------------------------------------------------------------------------


def run_locust(
    *,
    port: int,
    plan_path: Path,
    users: int,
    run_time: str,
    spawn_rate: float,
    out_prefix: Path,
) -> dict:
    """Run locust headless against 127.0.0.1:``port``; return its statistics."""
    host = f"http://127.0.0.1:{port}"
    command = [
        str(PROJECT_DIR / ".venv" / "bin" / "locust"),
        f"--locustfile={LOCUSTFILE}",
        "--headless",
        f"--users={users}",
        f"--spawn-rate={spawn_rate}",
        f"--run-time={run_time}",
        f"--host={host}",
        f"--csv={out_prefix}",
        "--only-summary",
        "--stop-timeout=10",
        "--loglevel=WARNING",
    ]
    env = {**os.environ, "LOAD_TEST_PLAN": str(plan_path)}
    subprocess.run(
        [sys.executable, str(LOCUSTFILE), host],
        cwd=PROJECT_DIR,
        env=env,
        timeout=WARM_UP_TIMEOUT,
        check=True,
    )
    timeout = _seconds(run_time) + LOCUST_GRACE_SECONDS
    # Locust exits with 1 when any request failed. The statistics list them.
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, timeout=timeout, check=False
    )
    stats_path = Path(f"{out_prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust exited with {completed.returncode} and no stats.")
    return read_stats(out_prefix)


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    if run_time[-1:] in units:
        return int(float(run_time[:-1]) * units[run_time[-1]])
    return int(run_time)


def read_stats(out_prefix: Path) -> dict:
    """Read locust's CSV files: each request type, the total and the failures."""
    with open(f"{out_prefix}_stats.csv", newline="") as stats_file:
        rows = list(csv.DictReader(stats_file))
    requests = [_request_row(row) for row in rows if row["Name"] != "Aggregated"]
    total = [_request_row(row) for row in rows if row["Name"] == "Aggregated"]
    with open(f"{out_prefix}_failures.csv", newline="") as failures_file:
        failures = [
            {
                "method": row["Method"],
                "name": row["Name"],
                "error": row["Error"],
                "occurrences": int(row["Occurrences"]),
            }
            for row in csv.DictReader(failures_file)
        ]
    return {
        "requests": requests,
        "total": total[0] if total else {},
        "failures": failures,
    }


def _request_row(row: dict) -> dict:
    return {
        "method": row["Type"],
        "name": row["Name"],
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "median_ms": _number(row["50%"]),
        "p95_ms": _number(row["95%"]),
        "max_ms": round(float(row["Max Response Time"] or 0)),
        "requests_per_second": round(float(row["Requests/s"] or 0), 2),
    }


def _number(value: str) -> float:
    # Locust writes "N/A" for a request type with no responses.
    try:
        return float(value)
    except ValueError:
        return 0.0


# Report
# ---------------------------------------------------------------------------


def report(result: dict) -> None:
    print(
        f"\nLoad test: {result['users']} users for {result['run_time']} on "
        f"{result['database']} ({result['seconds']} s)"
    )
    header = f"{'method':6} {'request':22} {'count':>6} {'errors':>6} "
    header += f"{'median':>7} {'p95':>6} {'max':>6}"
    print(header)
    for row in [*result["requests"], result["total"]]:
        if not row:
            continue
        print(
            f"{row['method']:6} {row['name']:22} {row['requests']:6} "
            f"{row['failures']:6} {row['median_ms']:7.0f} {row['p95_ms']:6.0f} "
            f"{row['max_ms']:6}"
        )
    for failure in result["failures"]:
        print(
            f"  error: {failure['method']} {failure['name']}: {failure['error']} "
            f"({failure['occurrences']} times)"
        )
    verdict = "met" if result["met"] else "missed"
    print(
        f"Target: no errors and p95 under {result['max_p95_ms']} ms for every "
        f"request type: {verdict} ({result['errors']} errors; "
        f"over the limit: {', '.join(result['slow']) or 'none'})"
    )


if __name__ == "__main__":
    sys.exit(main())
