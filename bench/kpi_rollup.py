"""Time the nightly KPI rollup on PostgreSQL for a large legal service.

Run from the top of the checkout, with a PostgreSQL server to write to:

    .venv/bin/python bench/kpi_rollup.py --url postgres://postgres@127.0.0.1:5432/postgres

It creates a new database named ``legal_crm_kpi_bench`` on that server (and
drops it at the end unless ``--keep`` is given), and builds it with
``bench/datagen.py`` at the chosen scale (L by default: 2,000 clients,
50,000 matters, 1,000,000 time entries over two years, 50,000 survey
invitations and 20,000 responses, with COPY). The build ends with one
nightly rollup. Then it runs the nightly rollup (the current and previous
month, quarter and financial year of every seeded KPI) twice more, and
prints the seconds the build and each run took and the records written.
"""

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # A script run puts bench/ first on the path, so bench/ modules would
    # shadow installed packages of the same name. The checkout goes first.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import copying, datagen

BENCH_DATABASE = "legal_crm_kpi_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL, on whose server the benchmark database is made",
    )
    parser.add_argument("--scale", choices=list(datagen.SCALES), default="L")
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database afterwards"
    )
    args = parser.parse_args()

    try:
        started = time.monotonic()
        datagen.build(args.url, args.scale, name=BENCH_DATABASE)
        print(f"build: {time.monotonic() - started:.1f} s")
        _time_rollups()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            copying.drop_database(args.url, BENCH_DATABASE)


def _time_rollups() -> None:
    from django.utils import timezone

    from kpis import services

    for attempt in (1, 2):
        started = time.monotonic()
        written = services.rollup_recent(today=timezone.localdate())
        seconds = time.monotonic() - started
        print(f"rollup run {attempt}: {seconds:.1f} s, {written} records")


if __name__ == "__main__":
    main()
