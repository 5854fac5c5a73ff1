"""Build a Legal CRM database of a named size, the same for a given seed.

Contract for the other benchmarks (kept stable):

- ``PASSWORD``: every generated staff and portal user signs in with it.
- ``SCALES``: the named sizes ``tiny`` (seconds, for the CI smoke run),
  ``S`` and ``L``; ``SCALES[name]`` is a ``Scale``.
- ``build(server_url, scale, *, name=None, seed=SEED)`` drops and recreates
  the database ``name`` (default ``legal_crm_bench_<scale>``) on the
  PostgreSQL server of ``server_url``, points this process's Django at it,
  migrates it and loads the scale with COPY. It returns the database's URL.
  Django can be configured once per process, so call it before importing
  any model, or call ``bench.environment.configure`` and ``load`` yourself.
- ``sample_users(connection)`` takes a DB-API connection (psycopg2, or
  Django's ``django.db.connection``) to a built database and returns
  ``{"lawyer": email, "practice_manager": email,
  "senior_legal_manager": email, "administrator": email,
  "portal_user": email, "lawyers": [emails], "portal_users": [emails]}``.
  The single ``lawyer`` and ``portal_user`` are the first of their lists.
- ``ADMIN_TOTP_KEY``: administrators must give a two-factor code; each has
  a confirmed TOTP device with this key.

Run it on its own to build a database and print what it holds:

    .venv/bin/python bench/datagen.py --scale S --url postgres://postgres@127.0.0.1:5432/postgres

Dates are offsets from the day of the build, so the history always covers
the last two years; everything else depends only on the seed.
"""

import argparse
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # A script run puts bench/ first on the path, so bench/ modules would
    # shadow installed packages of the same name. The checkout goes first.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import environment
from bench.copying import database_url, recreate_database
from bench.datagen_rows import HISTORY_DAYS

PASSWORD = "bench-Passw0rd-2026"
# Administrators must sign in with a second factor: each has a confirmed TOTP
# device with this key (hex), so a load test can work out the codes.
ADMIN_TOTP_KEY = "62656e63682d6f6e6c792d746f74702d6b6579"
SEED = 2026
EMAIL_DOMAIN = "bench.example.org"


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind a scale holds."""

    name: str
    clients: int
    contacts: int
    interactions: int
    matters: int
    time_entries: int
    invitations: int
    responses: int
    staff: int
    teams: int
    key_accounts: int
    articles: int
    portal_users: int
    feedback: int


# S and L are the sizes the performance targets are set for. Both give each
# client 10 contacts, 100 interactions, 25 matters and 500 time entries. Both
# give each member of staff about 1,700 time entries, about 3.5 a working day
# over the two years. So per-client and per-lawyer pages see the same shape,
# and only the totals grow.
SCALES = {
    "tiny": Scale("tiny", 15, 60, 300, 150, 3_000, 60, 25, 10, 2, 3, 6, 3, 20),
    "S": Scale(
        "S", 100, 1_000, 10_000, 2_500, 50_000, 2_500, 1_000,
        30, 4, 10, 40, 20, 250,
    ),
    "L": Scale(
        "L", 2_000, 20_000, 200_000, 50_000, 1_000_000, 50_000, 20_000,
        600, 24, 100, 200, 200, 5_000,
    ),
}  # fmt: skip

GROUP_NAMES = {
    "lawyer": "Lawyer",
    "practice_manager": "Practice manager",
    "senior_legal_manager": "Senior legal manager",
    "administrator": "Administrator",
    "portal_user": "Client (portal)",
}


def database_name(scale: str) -> str:
    return f"legal_crm_bench_{scale.lower()}"


def build(server_url: str, scale: str, *, name: str | None = None, seed=SEED) -> str:
    """Recreate, migrate and load a benchmark database; return its URL."""
    name = name or database_name(scale)
    recreate_database(server_url, name)
    url = database_url(server_url, name)
    environment.configure(url)
    environment.migrate()
    load(SCALES[scale], seed=seed)
    return url


def sample_users(connection) -> dict:
    """Return the sign-in emails of the generated users, one per role and lists."""
    emails = {}
    with connection.cursor() as cursor:
        for role, group in GROUP_NAMES.items():
            cursor.execute(
                "SELECT u.email FROM accounts_user u "
                "JOIN accounts_user_groups ug ON ug.user_id = u.id "
                "JOIN auth_group g ON g.id = ug.group_id "
                "WHERE g.name = %s AND u.email LIKE %s AND u.is_active "
                "ORDER BY u.id",
                [group, f"%@{EMAIL_DOMAIN}"],
            )
            emails[role] = [row[0] for row in cursor.fetchall()]
    users = {role: found[0] for role, found in emails.items()}
    users["lawyers"] = emails["lawyer"]
    users["portal_users"] = emails["portal_user"]
    return users


def load(scale: Scale, *, seed=SEED, log=print) -> dict[str, float]:
    """Fill Django's (migrated, empty) database with ``scale``; return step times.

    Each step runs in its own transaction and reads the keys of the rows the
    steps before it wrote from ``Loader``'s attributes.
    """
    from django.db import connection, transaction

    from bench import datagen_rows, datagen_surveys

    loader = Loader(scale, seed=seed)
    times = {}
    for step in (*datagen_rows.STEPS, *datagen_surveys.STEPS):
        started = time.monotonic()
        with transaction.atomic():
            step(loader)
        name = step.__name__.removeprefix("load_")
        times[name] = time.monotonic() - started
        log(f"  {name}: {times[name]:.1f} s")
    with connection.cursor() as cursor:
        # What autovacuum does to a live database's settled tables: the
        # statistics, and the visibility map that lets counts read indexes.
        cursor.execute("VACUUM ANALYZE")
    return times


class Loader:
    """The seeded random source, the dates and the keys of the rows loaded."""

    def __init__(self, scale: Scale, *, seed: int):
        from django.utils import timezone

        self.scale = scale
        self.password = PASSWORD
        self.totp_key = ADMIN_TOTP_KEY
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.first_day = self.today - dt.timedelta(days=HISTORY_DAYS)

    def day(self, offset: int) -> dt.date:
        return self.first_day + dt.timedelta(days=offset)

    def moment(self, day: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)

    def email(self, prefix: str, number: int) -> str:
        return f"{prefix}{number:04d}@{EMAIL_DOMAIN}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="S")
    parser.add_argument(
        "--url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL, on whose server the benchmark database is made",
    )
    parser.add_argument("--name", help="the database name; legal_crm_bench_<scale>")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    started = time.monotonic()
    url = build(args.url, args.scale, name=args.name, seed=args.seed)
    print(f"built {url} in {time.monotonic() - started:.1f} s")
    from django.db import connection

    print(sample_users(connection))


if __name__ == "__main__":
    main()
