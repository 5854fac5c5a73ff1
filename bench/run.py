"""Measure Legal CRM at a named scale and check the performance targets.

Run from the top of the checkout, with PostgreSQL (and Redis, for the
reminder sweep) on loopback:

    .venv/bin/python bench/run.py --scale S --url postgres://postgres@127.0.0.1:5432/postgres

It builds the database ``legal_crm_bench_<scale>`` on that server with
``bench/datagen.py`` (or reuses it with ``--reuse``). Then it measures, in
this order:

1. the KPI rollup of the last complete financial year, and of one month;
2. each key page's median and 95th percentile server time and SQL queries
   per request, signed in as the role that uses it;
3. requests per second through gunicorn, as deployed, of a trivial view, of
   a trivial view that needs a signed-in user, and of each page;
4. the import of 10,000 time entries, rolled back afterwards;
5. the reminder sweep of ``bench/reminder_sweep.py``.

It prints the tables and the
targets met and missed, and writes everything as JSON to
``var/bench/results-<scale>.json`` (or ``--json``). At scale L the S results
of an earlier run are the baseline of the targets that compare scales.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # A script run puts bench/ first on the path, so bench/ modules would
    # shadow installed packages of the same name. The checkout goes first.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import copying, datagen, environment, pages, targets, throughput

RESULTS_DIR = environment.PROJECT_DIR / "var" / "bench"
STEPS = ("rollups", "pages", "throughput", "import", "sweep")


def main(argv=None) -> int:
    args = parse_args(argv)
    results = run(args)
    report(results)
    path = Path(args.json or RESULTS_DIR / f"results-{args.scale}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nResults written to {path}")
    missed = [c for c in results["targets"] if c["met"] is False]
    return 1 if args.strict and missed else 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--scale", choices=list(datagen.SCALES), default="S")
    add(
        "--url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL, on whose server the benchmark database is made",
    )
    add("--database", help="the database name; legal_crm_bench_<scale> by default")
    add(
        "--reuse",
        action="store_true",
        help="use the database as it is if it exists, instead of building it again",
    )
    add("--drop", action="store_true", help="drop the database at the end")
    add("--repeat", type=int, default=60, help="timed requests of each page")
    add("--warmup", type=int, default=5, help="untimed requests of each page first")
    add(
        "--seconds",
        type=float,
        default=5.0,
        help="seconds of load for each throughput figure",
    )
    add("--import-rows", type=int, default=10_000)
    add("--sweep-count", type=int, default=10_000)
    add(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="the broker of the reminder sweep's worker; a database of its own",
    )
    add(
        "--skip",
        action="append",
        choices=STEPS,
        default=[],
        help="leave out a step; may be given more than once",
    )
    add("--json", help="where to write the results")
    add(
        "--baseline",
        help="results JSON of another scale, for the targets "
        "that compare scales; at L, var/bench/results-S.json if it exists",
    )
    add("--strict", action="store_true", help="exit with 1 if a target is missed")
    return parser.parse_args(argv)  # fmt: skip


def run(args) -> dict:
    started = time.monotonic()
    name = args.database or datagen.database_name(args.scale)
    url = copying.database_url(args.url, name)
    results = {"scale": args.scale, "database": name, "started_at": _now()}
    try:
        results["build"] = _database(args, name, url)
        results |= _measure(args, url)
        results["machine"] = machine()
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            copying.drop_database(args.url, name)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets.check(results, _baseline(args))
    return results


def _database(args, name, url) -> dict:
    if args.reuse and copying.database_exists(args.url, name):
        environment.configure(url)
        # Indexes and constraints added to the product since the build.
        environment.migrate()
        return {"reused": True}
    print(f"Building {name} at scale {args.scale}")
    started = time.monotonic()
    datagen.build(args.url, args.scale, name=name)
    return {"reused": False, "seconds": round(time.monotonic() - started, 1)}


def _measure(args, url) -> dict:
    from django.db import connection

    environment.collect_static()
    users = datagen.sample_users(connection)
    objects = pages.sample_objects()
    clients = pages.signed_in_clients(users)
    measured = {"objects": objects, "counts": row_counts(), "step_seconds": {}}
    steps = {
        "rollups": ("Timing the KPI rollups", time_rollups),
        "pages": (
            f"Timing {len(pages.PAGES)} pages, {args.repeat} requests each",
            lambda: time_pages(measured, clients, objects, args),
        ),
        "throughput": (
            "Measuring throughput through gunicorn",
            lambda: measure_throughput(url, clients, objects, args),
        ),
        "import": (
            f"Timing the import of {args.import_rows} time entries",
            lambda: time_import(args.import_rows),
        ),
        "reminder_sweep": (
            f"Timing the reminder sweep of {args.sweep_count} invitations",
            lambda: time_sweep(url, args),
        ),
    }
    for key, (message, step) in steps.items():
        # --skip names the sweep "sweep"; its results key is longer.
        if key.removeprefix("reminder_") in args.skip:
            continue
        print(message, flush=True)
        started = time.monotonic()
        measured[key] = step()
        measured["step_seconds"][key] = round(time.monotonic() - started, 1)
    return measured


def _baseline(args) -> dict | None:
    path = args.baseline
    if path is None and args.scale == targets.TARGET_SCALE:
        default = RESULTS_DIR / "results-S.json"
        path = default if default.exists() else None
    return json.loads(Path(path).read_text()) if path else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# Steps
# ---------------------------------------------------------------------------


def row_counts() -> dict:
    from accounts.models import User
    from clients.models import Client, Contact, Interaction, Matter, TimeEntry
    from feedback.models import Invitation, Response

    models = {
        "clients": Client, "contacts": Contact, "interactions": Interaction,
        "matters": Matter, "time_entries": TimeEntry, "invitations": Invitation,
        "responses": Response, "users": User,
    }  # fmt: skip
    return {key: model.objects.count() for key, model in models.items()}


def time_pages(measured, clients, objects, args) -> list:
    timed = pages.measure_pages(
        clients, objects, repeat=args.repeat, warmup=args.warmup
    )
    measured["pages_reference"] = timed["reference"]
    return timed["pages"]


def time_rollups() -> dict:
    """Time the product's rollup of the last complete financial year, then a month.

    The year's periods are its months, its quarters and the year itself. The
    month is the last complete one, computed as the recompute task does.
    """
    from django.utils import timezone

    from kpis import services
    from kpis.periods import Period, PeriodKind

    today = timezone.localdate()
    year = Period.containing(PeriodKind.FINANCIAL_YEAR, today).previous()
    periods = [Period(PeriodKind.MONTH, start) for start in year.month_starts()]
    periods += [
        Period.containing(PeriodKind.QUARTER, start)
        for start in year.month_starts()[::3]
    ]
    periods.append(year)
    month = Period.containing(PeriodKind.MONTH, today).previous()
    return {
        "financial_year": _timed_rollup(services, periods, year.label),
        "month": _timed_rollup(services, [month], month.label),
    }


def _timed_rollup(services, periods, label) -> dict:
    started = time.monotonic()
    written = services.rollup(periods=periods)
    seconds = time.monotonic() - started
    return {"period": label, "periods": len(periods), "records": written,
            "seconds": round(seconds, 2)}  # fmt: skip


def measure_throughput(url, clients, objects, args) -> dict:
    cookies = {
        role: f"sessionid={client.cookies['sessionid'].value}"
        for role, client in clients.items()
    }
    with (
        throughput.Gunicorn(url) as server,
        throughput.LoadGenerator(server.port) as load,
    ):
        by_page = {page.key: _page_throughput(load, page, objects, cookies, args)
                   for page in pages.PAGES}  # fmt: skip
    return {
        "workers": throughput.GUNICORN_WORKERS,
        "trivial": _median_of(by_page, "trivial_requests_per_second"),
        "signed_in_trivial": _median_of(by_page, "signed_in_requests_per_second"),
        "pages": by_page,
    }


def _page_throughput(load, page, objects, cookies, args) -> dict:
    # Other work on the machine moves the ceiling, so each page is compared
    # with both trivial views measured just before it. No page can pass the
    # signed-in view's rate, because every page loads that session and user.
    trivial = load.requests_per_second(throughput.TRIVIAL_PATH, "", args.seconds)
    signed_in = load.requests_per_second(
        throughput.SIGNED_IN_PATH, cookies[page.role], args.seconds
    )
    rate = load.requests_per_second(
        pages.page_url(page, objects), cookies[page.role], args.seconds
    )
    rate["trivial_requests_per_second"] = trivial["requests_per_second"]
    rate["signed_in_requests_per_second"] = signed_in["requests_per_second"]
    rate["signed_in_errors"] = signed_in["errors"]
    rate["share"] = _share(rate, trivial)
    rate["signed_in_share"] = _share(signed_in, trivial)
    return rate


def _share(rate: dict, ceiling: dict) -> float:
    top = ceiling["requests_per_second"]
    return round(rate["requests_per_second"] / top, 3) if top else 0.0


def _median_of(by_page: dict, key: str) -> dict:
    figures = [rate[key] for rate in by_page.values()]
    return {"requests_per_second": statistics.median(figures), "figures": figures}


def time_import(rows: int) -> dict:
    from bench import import_time_entries

    return import_time_entries.measure(rows)


def time_sweep(url, args) -> dict:
    if not (environment.PROJECT_DIR / "bench" / "reminder_sweep.py").exists():
        return {"skipped": "bench/reminder_sweep.py is missing"}
    from bench import reminder_sweep

    try:
        return reminder_sweep.measure(url, args.redis_url, args.sweep_count)
    except Exception as error:
        # The sweep needs Redis and a worker; the other figures still count.
        return {"skipped": f"the sweep failed: {error!r}"}


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "commit": _commit(),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=environment.PROJECT_DIR,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return found.stdout.strip()


# Report
# ---------------------------------------------------------------------------


def report(results: dict) -> None:
    print(f"\nScale {results['scale']}: {results['counts']}")
    print(f"Seconds per step: {results['step_seconds']}")
    if "pages" in results:
        _report_pages(results)
    if "rollups" in results:
        rows = [[key, r["period"], r["records"], r["seconds"]]
                for key, r in results["rollups"].items()]  # fmt: skip
        print("\n" + targets.table(rows, ["rollup", "period", "records", "s"]))
    for key in ("import", "reminder_sweep"):
        if key in results:
            print(f"\n{key}: {json.dumps(results[key], default=str)}")
    print("\nTargets")
    for item in results["targets"]:
        print(
            f"  {targets.verdict(item['met']):>11}  {item['target']}: {item['detail']}"
        )


def _report_pages(results):
    rates = results.get("throughput", {}).get("pages", {})
    rows = []
    for page in results["pages"]:
        rate = rates.get(page["key"], {})
        rows.append([
            page["title"], page["role"], page["median_ms"], page["p95_ms"],
            page["queries"], rate.get("requests_per_second"),
            f"{rate['share']:.0%}" if rate else None,
            f"{rate['signed_in_share']:.0%}" if rate else None,
        ])  # fmt: skip
    header = ["page", "role", "median ms", "p95 ms", "queries", "req/s", "share",
              "signed-in view's share"]  # fmt: skip
    print("\n" + targets.table(rows, header))
    if "pages_reference" in results:
        reference = results["pages_reference"]
        print(f"reference view: median {reference['median_ms']} ms, "
              f"p95 {reference['p95_ms']} ms")  # fmt: skip
    if "throughput" in results:
        measured = results["throughput"]
        print(f"trivial view: {measured['trivial']['requests_per_second']:,.1f} "
              f"req/s; signed in: "
              f"{measured['signed_in_trivial']['requests_per_second']:,.1f} req/s; "
              f"{measured['workers']} gunicorn workers")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
