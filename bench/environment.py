"""Configure Django for a benchmark process, the way production runs it.

Every benchmark process calls ``configure`` once, before it imports any
model: Django reads its settings when it starts, so the database cannot
change afterwards. The settings are production's (``DEBUG`` off) with the
benchmark URLconf of ``bench.settings``.
"""

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
# Only for benchmark databases on loopback; never used for a live site.
BENCH_SECRET_KEY = "bench-only-key-for-loopback-benchmarks-never-for-a-live-site"


def server_environment(database_url: str) -> dict[str, str]:
    """Return the environment a benchmark process (or gunicorn) runs with."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        # Requests come over plain HTTP on loopback, with no proxy in front.
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
    }


def configure(database_url: str) -> None:
    """Point this process's Django at ``database_url`` and start it."""
    os.environ.update(server_environment(database_url))
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def collect_static() -> None:
    """Collect the static files once; templates need the manifest with DEBUG off."""
    from django.conf import settings
    from django.core.management import call_command

    if (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
