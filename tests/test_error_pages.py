"""The error pages: plain English, a link home, and nothing about the error.

Each view below fails with a message that a leaking page would show. Tests
run with DEBUG off, as in production, where Django renders these templates.
"""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client
from django.urls import path, reverse

from crm_site.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "client 4471 password=hunter2"


def forbidden(request):
    raise PermissionDenied(SECRET_DETAIL)


def missing(request):
    raise Http404(SECRET_DETAIL)


def broken(request):
    raise RuntimeError(SECRET_DETAIL)


def suspicious(request):
    raise SuspiciousOperation(SECRET_DETAIL)


urlpatterns = [
    path("test-errors/forbidden/", forbidden),
    path("test-errors/missing/", missing),
    path("test-errors/broken/", broken),
    path("test-errors/suspicious/", suspicious),
    *site_urlpatterns,
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

# Words that only a debug page or a leaking template would show.
LEAKS = [SECRET_DETAIL, "4471", "hunter2", "Traceback", "RuntimeError", "test-errors"]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/test-errors/forbidden/", 403, "Access denied"),
        ("/test-errors/missing/", 404, "Page not found"),
        ("/test-errors/broken/", 500, "Something went wrong"),
        ("/test-errors/suspicious/", 400, "Bad request"),
    ],
)
def test_error_page_leaks_nothing(anonymous, url, status, heading):
    response = anonymous.get(url)
    page = response.content.decode()

    assert response.status_code == status
    assert f'<h1 class="mb-3">{heading}</h1>' in page
    assert 'href="/"' in page
    for leak in LEAKS:
        assert leak not in page, f"{url} shows {leak!r}"


def test_unknown_address_page_names_nothing(client):
    response = client.get("/no-such-page-zq81/?email=ann@example.org")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Page not found" in page
    assert "zq81" not in page
    assert "ann@example.org" not in page


def test_signed_in_user_keeps_navigation_on_403(client, lawyer):
    client.force_login(lawyer)

    response = client.get("/test-errors/forbidden/")

    assert response.status_code == 403
    assert "Sign out" in response.content.decode()


def test_portal_user_gets_403_page(client, portal_user):
    client.force_login(portal_user)

    response = client.get(reverse("clients:list"))

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_unknown_host_gets_400_page(client):
    response = client.get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "attacker.example" not in response.content.decode()


def test_csrf_failure_page_is_plain(lawyer):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        reverse("accounts:login"), {"username": lawyer.email, "password": "x"}
    )
    page = response.content.decode()

    assert response.status_code == 403
    assert "This form has expired" in page
    assert "CSRF verification failed" not in page
    assert "Referer" not in page


def test_error_pages_carry_security_headers(anonymous):
    response = anonymous.get("/test-errors/broken/")

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32
