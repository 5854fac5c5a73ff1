"""Requests per second through gunicorn, as deployed, on a free loopback port.

``Gunicorn`` starts the application with the command and worker count of
the deployment guide's systemd unit (``--workers 3 --timeout 60``), on the
benchmark database. ``LoadGenerator.requests_per_second`` then keeps a
fixed number of connections busy for a fixed time from two load processes,
so that the load generator itself can use both cores as the workers do, and
counts the responses. Sync workers close each connection after one response, so every
request is a new connection, as it is behind nginx without keep-alive.
"""

import multiprocessing
import os
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench import environment

# As docs/deployment.md's legal-crm-web unit runs it.
GUNICORN_WORKERS = 3
GUNICORN_ARGS = ["--workers", str(GUNICORN_WORKERS), "--timeout", "60"]
LOAD_PROCESSES = 2
CONNECTIONS_PER_PROCESS = 3
# Served by bench/urls.py, not by the product's URLs.
TRIVIAL_PATH = "/bench/trivial/"
SIGNED_IN_PATH = "/bench/signed-in/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """A gunicorn server of the application on 127.0.0.1, stopped on exit."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.port = free_port()
        self.process = None

    def __enter__(self):
        env = {**os.environ, **environment.server_environment(self.database_url)}
        command = [
            str(environment.PROJECT_DIR / ".venv" / "bin" / "gunicorn"),
            "crm_site.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            *GUNICORN_ARGS,
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        self.process = subprocess.Popen(
            command, cwd=environment.PROJECT_DIR, env=env, stdout=subprocess.DEVNULL
        )
        self._wait_until_serving()
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with status {self.process.returncode}. "
                    "Check its output above for the error."
                )
            if fetch(self.port, TRIVIAL_PATH)[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"gunicorn did not respond within {timeout:.0f} s. Check its output "
            "above for the error."
        )


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, int]:
    """Send one GET; return the status (0 if the connection failed) and bytes read."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (f"Cookie: {cookie}\r\n" if cookie else "")
        + "\r\n"
    ).encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return 0, 0
    body = b"".join(chunks)
    try:
        return int(body.split(b" ", 2)[1]), len(body)
    except (IndexError, ValueError):
        return 0, len(body)


class LoadGenerator:
    """Two load processes, started once and used for every figure."""

    def __init__(self, port: int):
        self.port = port
        self.pool = None

    def __enter__(self):
        context = multiprocessing.get_context("spawn")
        self.pool = context.Pool(LOAD_PROCESSES)
        return self

    def __exit__(self, *exc):
        self.pool.terminate()
        self.pool.join()

    def requests_per_second(self, path: str, cookie: str, seconds: float) -> dict:
        """Keep every connection busy for ``seconds``; return the rate and errors.

        A few untimed requests first let each worker load the page's code
        and templates. Both processes start at one agreed moment, so the
        rate is the responses in that window divided by its length.
        """
        warmup = [fetch(self.port, path, cookie)[0] for _n in range(GUNICORN_WORKERS)]
        start_at = time.time() + 0.2
        results = self.pool.starmap(
            _load_process,
            [(self.port, path, cookie, start_at, seconds)] * LOAD_PROCESSES,
        )
        answered = sum(ok for ok, _errors in results)
        statuses = {}
        for _ok, errors in results:
            for status, count in errors.items():
                statuses[status] = statuses.get(status, 0) + count
        return {
            "requests_per_second": round(answered / seconds, 1),
            "requests": answered,
            # Responses other than 200 OK, by status. Status 0 is a failed connection.
            "errors": sum(statuses.values()),
            "error_statuses": statuses,
            "seconds": seconds,
            "connections": LOAD_PROCESSES * CONNECTIONS_PER_PROCESS,
            "warmup_statuses": sorted(set(warmup)),
        }


def _load_process(port, path, cookie, start_at, seconds):
    lock = threading.Lock()
    counts = {"ok": 0}
    errors = {}
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + seconds

    def connection():
        while time.time() < deadline:
            status, _size = fetch(port, path, cookie)
            if time.time() > deadline:
                # A response that ends after the window is not counted,
                # because the rate counts only what the window served.
                break
            with lock:
                if status == 200:
                    counts["ok"] += 1
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    with ThreadPoolExecutor(CONNECTIONS_PER_PROCESS) as threads:
        for _n in range(CONNECTIONS_PER_PROCESS):
            threads.submit(connection)
    return counts["ok"], errors
