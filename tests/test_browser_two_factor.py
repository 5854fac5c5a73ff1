"""An administrator sets up two-factor sign-in in Chromium, then signs in with it."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp

from .browser import serious_accessibility_violations
from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def enter_password(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def app_code(secret_text, steps_ahead=0):
    """Compute the code an authenticator app shows for the secret on the page."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_administrator_sets_up_and_signs_in_with_code(page, administrator):
    enter_password(page, administrator.email)

    # An administrator without two-factor sign-in reaches only the set-up page.
    page.wait_for_url("**/accounts/security/two-factor/set-up/**")
    assert_accessible(page)
    assert page.get_by_role(
        "img", name="QR code for your authenticator app"
    ).is_visible()
    secret = page.locator("#two-factor-secret").inner_text()

    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your backup codes").wait_for()
    assert_accessible(page)
    codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem")
    assert codes.count() == 10
    page.get_by_role("link", name="I have noted them, continue").click()
    page.wait_for_url("**/")

    page.get_by_role("button", name=administrator.full_name).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/sign-in/**")

    enter_password(page, administrator.email)
    page.wait_for_url("**/accounts/sign-in/code/**")
    assert_accessible(page)
    # The code of the next period: the one just used cannot be used twice.
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/")

    page.goto(reverse("admin:index"))
    assert page.get_by_role("heading", name="Records and reference data").is_visible()
    page.goto(reverse("accounts:security"))
    assert page.get_by_text("cannot be turned off").is_visible()
    assert_accessible(page)
