"""Running one piece of work in several threads at the same moment."""

import threading

from django.db import connections


def run_at_once(work, *, threads: int = 2, timeout: float = 60) -> list[Exception]:
    """Start ``work`` in ``threads`` threads together; return what they raised.

    Each thread has its own database connection, closed when it ends, so
    the runs really overlap on the server. Tests that use it need
    ``django_db(transaction=True)``, because the threads see only committed
    rows.
    """
    errors = []
    barrier = threading.Barrier(threads)

    def run():
        try:
            barrier.wait(timeout=10)
            work()
        except Exception as error:  # noqa: BLE001 - returned to the caller
            errors.append(error)
        finally:
            connections.close_all()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=timeout)
    return errors
