"""Fixtures for tests that drive Debian's Chromium through Playwright.

Playwright's own browser download cannot run here, so the tests launch the
system Chromium at ``CHROMIUM_PATH`` (default ``/usr/bin/chromium``). Without
it they skip, except under ``CI=true``, where they fail.
"""

import os
from pathlib import Path

import pytest

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules/axe-core/axe.min.js"

# Chromium must not reach for any host but the test server.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


def _missing(message):
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM_PATH.exists():
        _missing(
            f"Chromium not found at {CHROMIUM_PATH}. Install it with "
            "`apt-get install chromium` or set CHROMIUM_PATH."
        )
    if not AXE_SCRIPT.exists():
        _missing("axe-core is missing from node_modules. Run `npm ci`.")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread, and the tests still use
    # the ORM between browser steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=DESKTOP_VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def serious_accessibility_violations(page):
    """Run axe-core on the page and return its serious and critical findings."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations"
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]
