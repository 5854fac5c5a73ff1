"""Settings of the benchmark runs: production's, with one extra URL.

``bench.environment`` turns ``DEBUG`` off, as production runs, and points
``ROOT_URLCONF`` here so that the trivial view used as the throughput
ceiling is served by the same application without being in the product's
URLconf.
"""

from crm_site.settings import *  # noqa: F403
from crm_site.settings import STORAGES, VAR_DIR

ROOT_URLCONF = "bench.urls"

# Collected once under var/, apart from the deployment's staticfiles folder.
# The manifest gives templates the same hashed names as production; the
# compressed copies are skipped because serving static files is not measured.
STATIC_ROOT = VAR_DIR / "bench" / "static"
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
