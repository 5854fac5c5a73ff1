"""Time the nightly KPI rollup on PostgreSQL for a large legal service.

Run from the top of the checkout, with a PostgreSQL server to write to:

    .venv/bin/python bench/kpi_rollup.py [--url postgres://postgres@127.0.0.1:5432/postgres]

It creates a new database named ``legal_crm_kpi_bench`` on that server (and
drops it at the end unless ``--keep`` is given), migrates it and loads, with
PostgreSQL's COPY, 1,000,000 time entries on 50,000 matters over two years,
20,000 survey responses with two answers each, 40,000 invitations, 5,000
feedback items, 120 staff in 6 teams, 2,000 clients and 100 key accounts.
Then it runs the nightly rollup (the current and previous month, quarter
and financial year of every seeded KPI) twice, and prints the seconds the
load and each run took and the records written.
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "legal_crm_kpi_bench"
# The text COPY reads as NULL, so that an empty string stays an empty string.
NULL = "\\N"
SIZES = {
    "teams": 6,
    "staff": 120,
    "clients": 2_000,
    "matters": 50_000,
    "time_entries": 1_000_000,
    "responses": 20_000,
    "invitations": 40_000,
    "feedback": 5_000,
    "key_accounts": 100,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL, on whose server the benchmark database is made",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database afterwards"
    )
    args = parser.parse_args()

    server = urlsplit(args.url)
    bench_url = urlunsplit(server._replace(path=f"/{BENCH_DATABASE}"))
    _recreate_database(args.url)
    try:
        _set_up_django(bench_url)
        started = time.monotonic()
        _load()
        print(f"load: {time.monotonic() - started:.1f} s")
        _time_rollups()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _drop_database(args.url)


def _admin_connection(url: str):
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def _recreate_database(url: str) -> None:
    # psycopg2's connection context manager opens a transaction, in which
    # CREATE and DROP DATABASE cannot run, so the connection is closed by hand.
    connection = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        cursor.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    connection.close()


def _drop_database(url: str) -> None:
    connection = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    connection.close()


def _set_up_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(PROJECT_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# Loading with COPY
# ---------------------------------------------------------------------------


def copy_rows(model, rows) -> None:
    """Write ``rows`` (dicts of field name to value) into ``model``'s table by COPY.

    Fields a row leaves out get the field's default, and ``auto_now`` fields
    the current time, so fields added to the models later still load.
    """
    from django.db import connection
    from django.utils import timezone

    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key or field.name != "id"
    ]
    now = timezone.now()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_value(field, row, now) for field in fields])
    buffer.seek(0)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN '
            "WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def _csv_value(field, row, now):
    name = field.attname if field.attname in row else field.name
    if name in row:
        value = row[name]
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        # The default, or "" for text fields that are not nullable.
        value = field.get_default()
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        import json

        return json.dumps(value)
    return value


def _ids(model) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def _load() -> None:
    from decimal import Decimal

    from accounts.models import StaffProfile, Team, User
    from clients.models import (
        Client,
        Contact,
        KeyAccount,
        Matter,
        MatterType,
        TimeEntry,
    )
    from feedback.models import (
        Answer,
        Feedback,
        Invitation,
        Question,
        Response,
        Survey,
        SurveyRound,
    )
    from kpis.models import ServiceCost

    rng = random.Random(2026)
    today = dt.date.today()
    first_day = today - dt.timedelta(days=730)

    copy_rows(Team, ({"name": f"Team {n}"} for n in range(SIZES["teams"])))
    teams = _ids(Team)
    copy_rows(
        User,
        (
            {
                "email": f"staff{n}@example.org",
                "full_name": f"Staff {n}",
                # An unusable password: these accounts never sign in.
                "password": "!",
            }
            for n in range(SIZES["staff"])
        ),
    )
    staff = _ids(User)
    copy_rows(
        StaffProfile,
        (
            {
                "user_id": user,
                "team_id": teams[n % len(teams)],
                "start_date": first_day - dt.timedelta(days=n * 30),
                "leave_date": today - dt.timedelta(days=n * 5) if n % 15 == 0 else None,
            }
            for n, user in enumerate(staff)
        ),
    )
    copy_rows(
        Client,
        (
            {"name": f"Client {n}", "kind": "internal_service", "status": "active"}
            for n in range(SIZES["clients"])
        ),
    )
    clients = _ids(Client)
    copy_rows(
        Contact,
        (
            {"client_id": c, "full_name": f"Contact {c}-{n}"}
            for c in clients
            for n in range(SIZES["invitations"] // SIZES["clients"])
        ),
    )
    contacts = _ids(Contact)
    matter_type, _ = MatterType.objects.get_or_create(name="Bench advice")
    copy_rows(
        Matter,
        (
            {
                "client_id": clients[n % len(clients)],
                "reference": f"B/{n:06d}",
                "title": f"Matter {n}",
                "matter_type_id": matter_type.pk,
                "team_id": teams[n % len(teams)],
                "responsible_lawyer_id": staff[n % len(staff)],
                "opened_on": first_day,
                "status": "open",
                "target_date": first_day + dt.timedelta(days=n % 720),
                "promise_met_on": (
                    first_day + dt.timedelta(days=max(0, n % 720 - n % 3))
                    if n % 4
                    else None
                ),
            }
            for n in range(SIZES["matters"])
        ),
    )
    matters = _ids(Matter)
    print(f"matters: {len(matters)}")
    batch = 200_000
    for start in range(0, SIZES["time_entries"], batch):
        copy_rows(
            TimeEntry,
            (
                {
                    "matter_id": matters[n % len(matters)],
                    "staff_id": staff[n % len(staff)],
                    "worked_on": first_day + dt.timedelta(days=rng.randrange(730)),
                    "minutes": 6 * (1 + n % 20),
                    "is_chargeable": n % 10 != 0,
                    "hourly_rate": Decimal("85.00"),
                    "amount": Decimal("8.50") * (1 + n % 20),
                }
                for n in range(start, start + batch)
            ),
        )
    print(f"time entries: {TimeEntry.objects.count()}")

    survey = Survey.objects.create(title="Satisfaction")
    rating = Question.objects.create(survey=survey, kind="rating", text="Satisfied?")
    nps = Question.objects.create(survey=survey, kind="nps", text="Recommend?")
    now = dt.datetime.now(dt.UTC)
    survey_round = SurveyRound.objects.create(
        survey=survey,
        name="Rolling",
        audience="contacts",
        opens_at=now - dt.timedelta(days=730),
        closes_at=now + dt.timedelta(days=30),
        status="open",
    )
    copy_rows(
        Invitation,
        (
            {
                "round_id": survey_round.pk,
                "contact_id": contacts[n % len(contacts)],
                "sent_at": now - dt.timedelta(days=n % 720),
                "responded_at": now - dt.timedelta(days=n % 720) if n % 2 else None,
            }
            for n in range(SIZES["invitations"])
        ),
    )
    copy_rows(
        Response,
        (
            {
                "round_id": survey_round.pk,
                "client_id": clients[n % len(clients)],
                "client_kind": "internal_service",
                "team_id": teams[n % len(teams)],
                "submitted_on": today - dt.timedelta(days=n % 720),
            }
            for n in range(SIZES["responses"])
        ),
    )
    responses = _ids(Response)
    copy_rows(
        Answer,
        (
            {"response_id": r, "question_id": q.pk, "score": rng.choice(q.scale)}
            for r in responses
            for q in (rating, nps)
        ),
    )
    copy_rows(
        Feedback,
        (
            {
                "client_id": clients[n % len(clients)],
                "kind": ("compliment", "complaint", "suggestion")[n % 3],
                "subject": f"Feedback {n}",
                "message": "Text",
                "received_at": now - dt.timedelta(days=n % 720),
                "resolve_due": today - dt.timedelta(days=n % 720 - 20),
                "resolved_at": now - dt.timedelta(days=n % 720 - 10) if n % 2 else None,
            }
            for n in range(SIZES["feedback"])
        ),
    )
    copy_rows(
        KeyAccount,
        (
            {
                "client_id": clients[n],
                "tier": "major",
                "owner_id": staff[n % len(staff)],
                "sponsor_id": staff[(n + 1) % len(staff)],
                "contact_frequency_days": 30,
                "review_frequency_months": 6,
                "next_review_on": today,
                "reason": "Large user",
                "created_at": now - dt.timedelta(days=700),
            }
            for n in range(SIZES["key_accounts"])
        ),
    )
    month = first_day.replace(day=1)
    costs = []
    while month <= today:
        costs.append({"month": month, "amount": Decimal("250000.00")})
        month = (month + dt.timedelta(days=32)).replace(day=1)
    copy_rows(ServiceCost, costs)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
