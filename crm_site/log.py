"""Logging helpers: request and task ids on every record, redaction, formats.

Every record leaves as one line. ``LOG_FORMAT=line`` (the default) writes
``time level logger request=… task=… message``, and ``LOG_FORMAT=json`` writes
one JSON object per line with the same fields.

The formatters redact what they write and leave the record itself alone, so
other handlers, and tests that check what the code logs, see the original.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from celery import current_task

# The id of the HTTP request being handled in this thread or task, set by
# crm_site.middleware.RequestIdMiddleware. "-" outside a request.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REDACTED = "[redacted]"
REDACTED_EMAIL = "[email]"

# Keys whose values are secrets wherever they appear: in key=value pairs,
# "key": "value" pairs, query strings and HTTP headers.
SENSITIVE_KEY = (
    r"[\w-]*(?:password|passwd|pwd|token|secret|api[_-]?key|authorization"
    r"|sessionid|csrftoken|cookie)[\w-]*"
)
_KEY_VALUE = re.compile(
    rf"""(?P<key>["']?\b{SENSITIVE_KEY}["']?\s*[:=]\s*)"""
    r"""(?P<value>(?:(?:Basic|Bearer|Token)\s+)?(?:"[^"]*"|'[^']*'|[^\s,;&}\]]+))""",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# user:password@host in a URL, such as a DATABASE_URL in an error message.
_URL_PASSWORD = re.compile(r"(?P<start>[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")
# A long path segment mixing letters and digits is most likely a token, such
# as the one in a password reset or survey invitation link.
_PATH_TOKEN = re.compile(
    r"(?<=/)(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}"
    r"(?=[/?#\s]|$)"
)


def redact(text: str) -> str:
    """Replace secrets, email addresses and URL tokens in ``text``."""
    text = _URL_PASSWORD.sub(rf"\g<start>{REDACTED}@", text)
    text = _KEY_VALUE.sub(_redact_value, text)
    text = _EMAIL.sub(REDACTED_EMAIL, text)
    return _PATH_TOKEN.sub(REDACTED, text)


def _redact_value(match: re.Match) -> str:
    value = match["value"]
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match['key']}{quote}{REDACTED}{quote}"


class ContextFilter(logging.Filter):
    """Add ``request_id`` and ``task_id`` (each "-" when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        task = current_task
        task_id = task.request.id if task else None
        record.task_id = task_id or "-"
        return True


class LineFormatter(logging.Formatter):
    """The standard formatter, redacted, with line breaks escaped to keep one line.

    Redaction covers the whole line: the message with its arguments, and the
    traceback.
    """

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        return line.replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with a fixed set of fields.

    Only the fields below are written, never the extra attributes that
    libraries attach (Django attaches the whole request), so nothing reaches
    the log without passing through ``redact``.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
            "task_id": getattr(record, "task_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
