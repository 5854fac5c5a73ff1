"""Logs: one line per record, request and task ids, and nothing secret."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task

from crm_site.log import ContextFilter, JsonFormatter, LineFormatter, redact

PROJECT_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


@pytest.fixture
def console_output():
    """What the console handler configured in settings writes during the test."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, LineFormatter)
    ]
    assert len(handlers) == 1, "Expected one console handler with LineFormatter"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    yield stream
    handlers[0].setStream(previous)


@shared_task(name="tests.test_logging.log_in_task")
def log_in_task():
    logger.warning("Inside a task")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2 kept", "password=[redacted] kept"),
        ("new_password: 'hunter2'", "new_password: '[redacted]'"),
        ('{"token": "abc def", "n": 1}', '{"token": "[redacted]", "n": 1}'),
        (
            "?next=/&invite_token=abc123&page=2",
            "?next=/&invite_token=[redacted]&page=2",
        ),
        ("SECRET_KEY=xyz", "SECRET_KEY=[redacted]"),
        ("Authorization: Bearer abc.def", "Authorization: [redacted]"),
        (
            "Cookie: sessionid=abc; csrftoken=def",
            "Cookie: [redacted]; csrftoken=[redacted]",
        ),
        ("sent to Ann.Lee+crm@example.org today", "sent to [email] today"),
        (
            "postgres://crm:pa55word@db.internal:5432/crm",
            "postgres://crm:[redacted]@db.internal:5432/crm",
        ),
        (
            "Not Found: /portal/invitations/kX3v9QbT7mZp2LwR8sNc/",
            "Not Found: /portal/invitations/[redacted]/",
        ),
        ("Not Found: /clients/42/contacts/", "Not Found: /clients/42/contacts/"),
        (
            "Task clients.tasks.send[8c1e2f3a-5b6c-4d7e-8f90-123456789abc] ok",
            "Task clients.tasks.send[8c1e2f3a-5b6c-4d7e-8f90-123456789abc] ok",
        ),
        ("Signed out user 17 after 30 minutes", "Signed out user 17 after 30 minutes"),
    ],
)
def test_redact_replaces_secrets(text, expected):
    assert redact(text) == expected


def test_request_log_has_request_id(client, db, console_output):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-1234.abcd")

    assert "request=lb-1234.abcd " in console_output.getvalue()
    assert "Not Found: /no-such-page/" in console_output.getvalue()


def test_response_returns_given_request_id(client, db):
    response = client.get("/accounts/sign-in/", HTTP_X_REQUEST_ID="lb-1234.abcd")

    assert response["X-Request-ID"] == "lb-1234.abcd"


@pytest.mark.parametrize(
    "unsafe_id",
    ["", "has space", "new\nline", "<script>", "x" * 129, "-leading-hyphen"],
)
def test_unsafe_request_id_is_replaced(client, db, unsafe_id):
    response = client.get("/accounts/sign-in/", HTTP_X_REQUEST_ID=unsafe_id)

    assert response["X-Request-ID"] != unsafe_id
    assert len(response["X-Request-ID"]) == 32
    assert int(response["X-Request-ID"], 16) >= 0


def test_request_ids_differ_per_request(client, db):
    first = client.get("/accounts/sign-in/")
    second = client.get("/accounts/sign-in/")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_no_request_id_outside_request(console_output):
    logger.warning("Outside any request")

    assert "request=- task=- Outside any request" in console_output.getvalue()


def test_task_log_has_task_id(console_output):
    log_in_task.apply(task_id="task-0001")

    assert "task=task-0001 Inside a task" in console_output.getvalue()


def test_log_arguments_are_redacted(console_output):
    logger.warning("Reset link sent to %s", "ann@example.org")

    assert "Reset link sent to [email]" in console_output.getvalue()
    assert "ann@example.org" not in console_output.getvalue()


def test_traceback_is_one_redacted_line(console_output):
    try:
        raise ValueError("password=hunter2 for ann@example.org")
    except ValueError:
        logger.exception("Import failed")

    output = console_output.getvalue()
    assert output.count("\n") == 1
    assert "Traceback" in output
    assert "hunter2" not in output
    assert "ann@example.org" not in output


def test_records_keep_original_text(console_output, caplog):
    # Only the output is redacted, so other handlers get the whole record,
    # and tests can still catch code that logs personal data.
    try:
        raise ValueError("token=abc123")
    except ValueError:
        logger.exception("Digest for %s failed", "ann@example.org")

    [record] = caplog.records
    assert record.getMessage() == "Digest for ann@example.org failed"
    assert record.exc_info is not None
    assert "ann@example.org" not in console_output.getvalue()
    assert "abc123" not in console_output.getvalue()


def make_record(message, *args, exc_info=None):
    record = logging.LogRecord(
        "crm.test", logging.ERROR, __file__, 1, message, args, exc_info
    )
    ContextFilter().filter(record)
    return record


def test_json_formatter_writes_fields():
    record = make_record("Digest sent to %s", "ann@example.org")

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "ERROR"
    assert entry["logger"] == "crm.test"
    assert entry["message"] == "Digest sent to [email]"
    assert entry["request_id"] == "-"
    assert entry["task_id"] == "-"
    assert entry["time"].endswith("+00:00")


def test_json_formatter_includes_redacted_traceback():
    try:
        raise RuntimeError("token=abc123")
    except RuntimeError:
        record = make_record("Failed", exc_info=sys.exc_info())

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert "RuntimeError: token=[redacted]" in json.loads(line)["exception"]


def test_json_formatter_leaves_out_extra_attributes():
    record = make_record("Not Found: /x/")
    record.request = "<WSGIRequest: GET '/x/?email=ann@example.org'>"

    entry = json.loads(JsonFormatter().format(record))

    assert "request" not in entry


def run_with_log_format(log_format):
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('crm.check').warning('Sent to %s', 'ann@example.org')"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm_site.settings",
            "LOG_FORMAT": log_format,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_setting():
    result = run_with_log_format("json")

    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["logger"] == "crm.check"
    assert entry["message"] == "Sent to [email]"


def test_invalid_log_format_fails_loudly():
    result = run_with_log_format("xml")

    assert result.returncode != 0
    assert "LOG_FORMAT 'xml' is invalid" in result.stderr
