"""Security headers on every response, the Content Security Policy in Chromium,
and Django's deployment checks against production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import path, reverse

from crm_site.urls import urlpatterns as site_urlpatterns

from .browser import PHONE_VIEWPORT, open_page
from .factories import PASSWORD, ContactFactory

PROJECT_DIR = Path(__file__).resolve().parent.parent

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
EXPECTED_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

INLINE_CODE_PAGE = """<!doctype html>
<html lang="en"><head><title>Inline code</title></head>
<body><p style="color: red">Styled inline</p>
<script>document.title = "inline script ran";</script></body></html>"""


def inline_code(request):
    return HttpResponse(INLINE_CODE_PAGE)


urlpatterns = [path("test-csp/inline/", inline_code), *site_urlpatterns]


def directives(policy):
    """Map each directive of a Content-Security-Policy header to its sources."""
    pairs = (item.strip().split(" ", 1) for item in policy.split(";"))
    return {name: sources for name, sources in pairs}


@pytest.mark.parametrize(
    "url",
    [reverse("accounts:login"), reverse("health"), "/no-such-page/"],
)
def test_policy_on_response(client, db, url):
    response = client.get(url)

    assert directives(response["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.mark.parametrize(
    "url",
    [reverse("accounts:login"), reverse("health"), "/no-such-page/"],
)
@pytest.mark.parametrize(("header", "value"), EXPECTED_HEADERS.items())
def test_security_header_on_response(client, db, url, header, value):
    response = client.get(url)

    assert response[header] == value


def test_permissions_policy_turns_off_features(client, db):
    response = client.get(reverse("accounts:login"))
    features = dict(
        item.strip().split("=") for item in response["Permissions-Policy"].split(",")
    )

    assert features["camera"] == "()"
    assert features["geolocation"] == "()"
    assert features["microphone"] == "()"


def test_signed_in_page_has_policy(client, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("home"))

    assert directives(response["Content-Security-Policy"]) == EXPECTED_POLICY


def test_policy_never_allows_unsafe_code(client, db):
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_layouts_stop_htmx_injecting_styles():
    meta = """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>"""
    for layout in ("templates/base.html", "templates/portal/base.html"):
        assert meta in (PROJECT_DIR / layout).read_text(), layout


def test_deploy_check_passes_with_production_settings():
    # The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE in this process,
    # which a deployment must not have.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=PROJECT_DIR,
        env={
            **environment,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "legal-crm.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert "identified no issues" in result.stdout


# In Chromium
# ---------------------------------------------------------------------------


def sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_policy_blocks_inline_code_in_browser(chromium, live_server):
    context, page, problems = open_page(chromium, live_server.url)
    try:
        page.goto("/test-csp/inline/")
        colour = page.eval_on_selector(
            "p", "element => getComputedStyle(element).color"
        )
        title = page.title()
    finally:
        context.close()

    assert title == "Inline code"
    assert colour != "rgb(255, 0, 0)"
    assert any("script-src-elem blocked inline" in item for item in problems.items)
    assert any("style-src-attr blocked inline" in item for item in problems.items)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_pages_run_under_policy(page, lawyer, client_org):
    # The page fixture fails the test on any CSP violation or console error.
    client_org.relationship_owner = lawyer
    client_org.save()
    ContactFactory(client=client_org)
    page.goto(reverse("accounts:password_reset"))
    page.goto("/no-such-page/")
    sign_in(page, lawyer.email)

    page.goto(reverse("clients:list"))
    page.goto(client_org.get_absolute_url())
    page.goto(reverse("clients:create"))
    page.goto(reverse("home"))
    page.get_by_role("button", name=lawyer.full_name).click()

    assert page.get_by_role("menuitem", name="Change password").is_visible() or (
        page.get_by_role("link", name="Change password").is_visible()
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_menu_runs_under_policy(page, lawyer):
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in(page, lawyer.email)

    page.get_by_role("button", name="Show navigation").click()

    assert page.get_by_role("link", name="Clients", exact=True).is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_portal_pages_run_under_policy(page, portal_user, live_server):
    sign_in(page, portal_user.email)

    page.goto(reverse("portal:home"))

    assert page.url.endswith(reverse("portal:home"))
