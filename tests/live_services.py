"""Fixtures for tests against real services: Redis, an SMTP sink, a worker.

Tests that use them carry ``@pytest.mark.services``. The worker is a separate
process and reads only committed rows, so its fixtures need ``transactional_db``
and start it on the test database, whether that is the SQLite file under
``var/`` or PostgreSQL through ``DATABASE_URL``.

Redis comes from ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Each
test gets its own queue, so runs sharing one Redis database do not take each
other's messages. Without a reachable Redis the tests skip, unless the
environment sets ``CI=true``, where they fail.
"""

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
from aiosmtpd.controller import Controller

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LOOPBACK = "127.0.0.1"

# Seconds to wait for a worker to start, and for it to finish queued tasks.
WORKER_START_TIMEOUT = 60.0
TASK_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 20.0
POLL_INTERVAL = 0.1


# Redis
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis URL for live tests, checked with a PING."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = (
            f"Redis is not reachable at {_redis_address(url)} "
            f"({str(error).rstrip('.')}). Install and start Redis, and set "
            f"REDIS_URL to it, for example REDIS_URL={DEFAULT_REDIS_URL}"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.close()
    return url


def _redis_address(url: str) -> str:
    # Host, port and database only, because the URL may contain a password.
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path}"


@pytest.fixture
def celery_queue(redis_url: str) -> Iterator[str]:
    """A queue name unique to this test, removed from Redis afterwards."""
    queue = f"test-{uuid.uuid4().hex}"
    yield queue
    _delete_redis_keys_of(redis_url, queue)


def _delete_redis_keys_of(url: str, name: str) -> None:
    # Kombu keeps a queue as a list named after it, and its bindings (the
    # worker's remote-control queue, named after its hostname, among them) as
    # members of the _kombu.binding* sets.
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{name}*"):
            client.delete(key)
        for key in client.scan_iter(match="_kombu.binding*", _type="SET"):
            members = [m for m in client.smembers(key) if name.encode() in m]
            if members:
                client.srem(key, *members)
    finally:
        client.close()


@pytest.fixture
def celery_app_on_redis(redis_url: str, celery_queue: str):
    """The project's Celery app, sending every task to this test's queue."""
    from crm_site.celery import app

    swapped = ("broker_url", "broker_transport_options", "task_routes")
    saved = {key: app.conf[key] for key in swapped}
    app.conf.update(
        broker_url=redis_url,
        broker_transport_options={"visibility_timeout": 60 * 60},
        task_routes={"*": {"queue": celery_queue}},
    )
    _drop_broker_pools(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _drop_broker_pools(app)


def _drop_broker_pools(app) -> None:
    # Celery keeps the connection and producer pools it made on first use, so
    # they would still point at the old broker after broker_url changes. It
    # has no public call to drop them, but resets these two attributes after a
    # fork. The pools stay open in kombu's registry, which hands the same ones
    # out again for the same URL, so they must not be closed here.
    app._pool = None
    app.amqp._producer_pool = None


# SMTP sink
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class SmtpSink:
    """An SMTP server on 127.0.0.1 that accepts and keeps every message."""

    def __init__(self) -> None:
        self._received: list[ReceivedEmail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The ``EMAIL_URL`` that sends to this sink."""
        return f"smtp://{LOOPBACK}:{self.port}"

    @property
    def received(self) -> list[ReceivedEmail]:
        with self._lock:
            return list(self._received)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        received = ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message)
        with self._lock:
            self._received.append(received)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        # aiosmtpd cannot listen on port 0, so pick a free port first. Another
        # process may take it in between, hence the retries.
        for _attempt in range(3):
            port = _free_loopback_port()
            controller = Controller(self, hostname=LOOPBACK, port=port)
            try:
                controller.start()
            except OSError:
                continue
            self._controller, self.port = controller, port
            return
        raise RuntimeError(
            f"The SMTP sink could not bind a free port on {LOOPBACK} in 3 attempts."
        )

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


# Celery worker
# ---------------------------------------------------------------------------


class LiveWorker:
    """A ``celery -A crm_site worker`` subprocess consuming one queue."""

    def __init__(self, *, queue: str, env: dict[str, str], log_path: Path) -> None:
        self.queue = queue
        self.log_path = log_path
        self._log_file = log_path.open("wb")
        command = [
            sys.executable,
            "-m",
            "celery",
            "--app=crm_site",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--queues={queue}",
            f"--hostname={queue}-{log_path.stem}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self, *, timeout: float = WORKER_START_TIMEOUT) -> None:
        # Celery logs "<hostname> ready." once the worker consumes its queue.
        deadline = time.monotonic() + timeout
        while " ready." not in (log := self.log()):
            self.fail_if_exited("the worker to start")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Timed out after {timeout:.0f} s waiting for the worker to "
                    f"start. Its log:\n{log}"
                )
            time.sleep(POLL_INTERVAL)

    def wait_for_tasks(
        self, task_ids: list[str], *, timeout: float = TASK_TIMEOUT
    ) -> None:
        wait_for_tasks(task_ids, [self], timeout=timeout)

    def fail_if_exited(self, waiting_for: str) -> None:
        if self.process.poll() is not None:
            pytest.fail(
                f"The worker exited with status {self.process.returncode} while "
                f"the test waited for {waiting_for}. Its log:\n{self.log()}"
            )

    def stop(self) -> None:
        """Stop the worker with a warm shutdown, or kill it if that hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def wait_for_tasks(
    task_ids: list[str],
    workers: list[LiveWorker],
    *,
    timeout: float = TASK_TIMEOUT,
) -> None:
    """Wait until one of ``workers`` has logged success for each of ``task_ids``.

    Fails as soon as one of the tasks raised or a worker exited, with the logs.
    """
    deadline = time.monotonic() + timeout
    while True:
        logs = "\n".join(worker.log() for worker in workers)
        failed = [i for i in task_ids if f"[{i}] raised" in logs]
        if failed:
            pytest.fail(f"Tasks {failed} raised in a worker.\n{_show_logs(workers)}")
        if all(f"[{i}] succeeded" in logs for i in task_ids):
            return

        for worker in workers:
            worker.fail_if_exited(f"tasks {task_ids}")
        if time.monotonic() > deadline:
            pytest.fail(
                f"Timed out after {timeout:.0f} s waiting for tasks {task_ids}.\n"
                f"{_show_logs(workers)}"
            )
        time.sleep(POLL_INTERVAL)


def _show_logs(workers: list[LiveWorker]) -> str:
    return "\n".join(
        f"Log of worker {n}:\n{worker.log()}" for n, worker in enumerate(workers, 1)
    )


def database_url_for_worker() -> str:
    """Build a ``DATABASE_URL`` naming the database this test process uses.

    During a test that is the test database, which pytest-django has already
    put into the connection's settings.
    """
    from django.db import connection

    database = connection.settings_dict
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(database["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.fail(
                f"The SQLite test database {name!r} is in memory, where a worker "
                "cannot open it. Set DATABASES TEST NAME to a file."
            )
        return f"sqlite:///{name}"
    if engine == "django.db.backends.postgresql":
        user = quote(database["USER"] or "", safe="")
        password = quote(database["PASSWORD"] or "", safe="")
        credentials = f"{user}:{password}@" if password else f"{user}@"
        host = quote(database["HOST"] or "", safe="")
        port = f":{database['PORT']}" if database["PORT"] else ""
        return f"postgres://{credentials}{host}{port}/{quote(database['NAME'])}"
    pytest.fail(f"Live worker tests support SQLite and PostgreSQL, not {engine}.")


@pytest.fixture
def start_live_worker(
    transactional_db, redis_url: str, celery_queue: str, tmp_path: Path
) -> Iterator[Callable[..., LiveWorker]]:
    """Return a function that starts a worker on this test's queue and database.

    Its keyword ``env`` adds or overrides the worker's environment variables,
    for example ``EMAIL_URL``. Every worker started is stopped after the test,
    before the test database is flushed.
    """
    workers: list[LiveWorker] = []

    def start(*, env: dict[str, str] | None = None) -> LiveWorker:
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm_site.settings",
            "DATABASE_URL": database_url_for_worker(),
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        worker = LiveWorker(queue=celery_queue, env=worker_env, log_path=log_path)
        workers.append(worker)
        worker.wait_until_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def live_worker(start_live_worker, smtp_sink: SmtpSink) -> LiveWorker:
    """A running worker that sends its email to ``smtp_sink``."""
    return start_live_worker(env={"EMAIL_URL": smtp_sink.url})
