"""Load rows into a model's table with PostgreSQL's COPY, and create databases.

``copy_rows`` is faster than ``bulk_create`` for the millions of rows the
benchmarks need, because PostgreSQL parses one CSV stream instead of one
INSERT statement per batch.
"""

import csv
import io
import json
from itertools import islice
from urllib.parse import urlsplit, urlunsplit

# The text COPY reads as NULL, so that an empty string stays an empty string.
NULL = "\\N"
# Rows written per COPY statement, so a million rows never sit in memory.
CHUNK_ROWS = 100_000


def copy_rows(model, rows) -> int:
    """Write ``rows`` (dicts of field name to value) into ``model``'s table by COPY.

    Fields a row leaves out get the field's default, and ``auto_now`` fields
    the current time, so fields added to the models later still load.
    Returns the number of rows written.
    """
    columns = _columns(model)
    written = 0
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        _copy_chunk(model, columns, chunk)
        written += len(chunk)
    return written


def _columns(model):
    """Return ``(field, attname, name, default)`` for every column COPY fills."""
    from django.utils import timezone

    now = timezone.now()
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name == "id":
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now
        else:
            # The default, or "" for text fields that are not nullable.
            default = field.get_default()
        columns.append((field, field.attname, field.name, default))
    return columns


def _copy_chunk(model, columns, chunk) -> None:
    from django.db import connection

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chunk:
        writer.writerow([_csv_value(row, column) for column in columns])
    buffer.seek(0)
    names = ", ".join(f'"{field.column}"' for field, *_rest in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f'COPY "{model._meta.db_table}" ({names}) FROM STDIN '
            f"WITH (FORMAT csv, NULL '{NULL}')",
            buffer,
        )


def _csv_value(row, column):
    _field, attname, name, default = column
    if attname in row:
        value = row[attname]
    else:
        value = row.get(name, default)
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def ids(model) -> list[int]:
    """Return the primary keys of ``model`` in the order the rows were loaded."""
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


# Databases
# ---------------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    """Return ``server_url`` with its database name replaced by ``name``."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def database_exists(server_url: str, name: str) -> bool:
    connection = _admin_connection(server_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    connection.close()
    return found


def recreate_database(server_url: str, name: str) -> None:
    """Drop the database ``name`` on the server if it exists, and create it empty."""
    _run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _run_admin(server_url, f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    _run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_admin(server_url: str, statement: str) -> None:
    # psycopg2's connection context manager opens a transaction, in which
    # CREATE and DROP DATABASE cannot run, so the connection is closed by hand.
    connection = _admin_connection(server_url)
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def _admin_connection(server_url: str):
    import psycopg2

    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    return connection
