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


# Passes each Content Security Policy violation to the Python side, because a
# violation in a page that is left at once may never reach the console.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""
# Chromium logs every response with an error status as a console error. Pages
# and htmx requests may return 400, 403 or 404 on purpose, so those messages
# are left to PageProblems.record_response, which judges by resource type.
HTTP_STATUS_CONSOLE_ERROR = "Failed to load resource: the server responded with"
SUBRESOURCE_TYPES = {"stylesheet", "script", "font", "image", "media"}


class PageProblems:
    """Console errors, uncaught exceptions, CSP violations and missing assets."""

    def __init__(self):
        self.items = []

    def record_console(self, message):
        if message.type == "error" and not message.text.startswith(
            HTTP_STATUS_CONSOLE_ERROR
        ):
            self.items.append(f"console error: {message.text} at {message.location}")

    def record_page_error(self, error):
        self.items.append(f"uncaught error: {error}")

    def record_csp_violation(self, source, text):
        self.items.append(f"CSP violation: {text}")

    def record_response(self, response):
        # Chromium requests /favicon.ico by itself, whether a page links it.
        if (
            response.status >= 400
            and response.request.resource_type in SUBRESOURCE_TYPES
            and not response.url.endswith("/favicon.ico")
        ):
            self.items.append(f"{response.status} for {response.url}")


def open_page(chromium, base_url):
    """Open a page in a new browser context, with ``PageProblems`` listening.

    Returns the context, the page and the problems. The caller closes the
    context.
    """
    context = chromium.new_context(
        base_url=base_url,
        viewport=DESKTOP_VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    problems = PageProblems()
    context.expose_binding("reportCspViolation", problems.record_csp_violation)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", problems.record_console)
    page.on("pageerror", problems.record_page_error)
    page.on("response", problems.record_response)
    return context, page, problems


@pytest.fixture
def page(chromium, live_server):
    """A Chromium page on the live server that fails the test on page errors.

    The errors that ``PageProblems`` collects while the test runs fail the
    test at teardown.
    """
    context, page, problems = open_page(chromium, live_server.url)
    yield page
    context.close()
    assert problems.items == [], "The page reported errors:\n" + "\n".join(
        problems.items
    )


def serious_accessibility_violations(page):
    """Run axe-core on the page and return its serious and critical findings."""
    # The page's Content Security Policy blocks an injected <script> tag, but
    # not code evaluated through the DevTools protocol.
    page.evaluate(AXE_SCRIPT.read_text())
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
