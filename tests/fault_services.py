"""Services that fault tests start, break and stop themselves.

Each server here runs on a free port on 127.0.0.1 and belongs to one test, so
stopping it leaves the Redis and PostgreSQL the rest of the suite uses alone.
Without the server's binary a test skips with what to install, unless the
environment sets ``CI=true``, where it fails.
"""

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis

from .live_services import LOOPBACK, SmtpSink, _free_loopback_port

SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 20.0
POLL_INTERVAL = 0.1


def require_binary(path: str | None, *, name: str, install: str) -> str:
    """Return ``path``, or fail in CI and skip elsewhere when it is missing."""
    if path and os.access(path, os.X_OK):
        return path
    message = f"{name} is not installed. Install it with: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def wait_until(condition, *, timeout: float, waiting_for: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {waiting_for}.")
        time.sleep(POLL_INTERVAL)


# Redis
# ---------------------------------------------------------------------------


class RedisServer:
    """A ``redis-server`` that keeps nothing on disk, stopped and started at will."""

    def __init__(self, *, log_path: Path) -> None:
        self.binary = require_binary(
            shutil.which("redis-server"),
            name="redis-server",
            install="apt-get install redis-server",
        )
        self.port = _free_loopback_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary,
            "--bind",
            LOOPBACK,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(
            self._answers_ping,
            timeout=SERVER_START_TIMEOUT,
            waiting_for=f"redis-server on port {self.port}; see {self.log_path}",
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _answers_ping(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"redis-server exited. Its log:\n{self.log_path.read_text()}")
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return client.ping()
        except redis.RedisError:
            return False
        finally:
            client.close()


# PostgreSQL
# ---------------------------------------------------------------------------


class PostgresCluster:
    """A PostgreSQL cluster in a temporary folder, with trust authentication.

    PostgreSQL refuses to run as root, so as root every command runs as the
    ``postgres`` user, which then owns the folder.
    """

    def __init__(self) -> None:
        self.bin_dir = _postgres_bin_dir()
        self.port = _free_loopback_port()
        self.folder = Path(tempfile.mkdtemp(prefix="fault-postgres-"))
        self.data_dir = self.folder / "data"
        self.log_path = self.folder / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres", group="postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        # The Unix socket goes in the cluster's own folder, not in
        # /run/postgresql, where the suite's server has its socket.
        options = (
            f"-c listen_addresses={LOOPBACK} -p {self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run(
            "pg_ctl",
            "start",
            "--wait",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.log_path),
        )

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "stop", "--wait", "-m", "fast", "-D", str(self.data_dir)
            )

    def restart(self) -> None:
        # Not ``pg_ctl restart``: it starts the server again without ``-l``,
        # so the server writes to this process's pipe and keeps it open.
        self.stop()
        self.start()

    def create_database(self, name: str) -> None:
        self._run(
            "createdb", "-h", LOOPBACK, "-p", str(self.port), "-U", "postgres", name
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=self.folder
        )
        if result.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            pytest.fail(
                f"{program} failed with status {result.returncode}:\n"
                f"{result.stdout}{result.stderr}\nServer log:\n{log}"
            )


def _postgres_bin_dir() -> Path:
    # Debian installs each major version under its own folder; take the newest.
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    initdb = require_binary(
        found[-1] if found else None,
        name="PostgreSQL's initdb",
        install="apt-get install postgresql",
    )
    return Path(initdb).parent


# An SMTP sink that stalls one recipient
# ---------------------------------------------------------------------------


class HoldingSmtpSink(SmtpSink):
    """A sink that stalls on RCPT TO for one address until released.

    The stall comes before DATA, so a client that dies meanwhile has delivered
    nothing, and the message is not counted.
    """

    def __init__(self, *, hold: str) -> None:
        super().__init__()
        self.hold = hold
        self.holding = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.hold and not self._released.is_set():
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(POLL_INTERVAL)
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
