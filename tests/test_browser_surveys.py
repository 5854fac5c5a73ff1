"""A practice manager builds and launches a survey round in Chromium, the client
answers from the emailed link, and the answer shows in the results."""

import re

import pytest
from django.urls import reverse

from feedback.models import Response

from .browser import PHONE_VIEWPORT, serious_accessibility_violations
from .factories import PASSWORD, ClientFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contact(lawyer):
    school = ClientFactory(name="Marlott Primary School", relationship_owner=lawyer)
    return ContactFactory(
        client=school, full_name="Gwen Davies", email="gwen.davies@example.org"
    )


def sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def build_survey(page):
    page.get_by_role("link", name="Surveys", exact=True).first.click()
    page.get_by_role("navigation", name="Survey pages").get_by_role(
        "link", name="Surveys"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name="New survey").click()
    page.get_by_label("Title").fill("Schools survey 2026")
    page.get_by_role("button", name="Create survey").click()
    assert_accessible(page)

    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Kind").select_option(label="Rating, 1 to 5")
    page.locator("#id_text").fill("How satisfied are you?")
    page.get_by_role("button", name="Save question").click()

    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Kind").select_option(label="Free text")
    page.locator("#id_text").fill("What should we improve?")
    page.get_by_label("Required").uncheck()
    page.get_by_role("button", name="Save question").click()
    assert page.get_by_text("What should we improve?").is_visible()
    assert_accessible(page)


def launch_round(page, contact):
    page.get_by_role("link", name="New round").click()
    page.locator("#id_name").fill("Schools, spring 2026")
    page.get_by_label("Named contacts").check()
    page.get_by_label("Contacts to invite").select_option(
        label=f"{contact.full_name}, {contact.client.name}"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved as a draft").wait_for()
    page.get_by_role("link", name="Launch").click()
    assert "1 contact will be emailed" in page.content()
    page.get_by_role("button", name="Yes, launch the round").click()
    page.get_by_text("Round launched.").wait_for()
    assert_accessible(page)


def test_round_built_sent_answered_and_read(
    page, chromium, live_server, practice_manager, contact, eager_celery, mailoutbox
):
    # Each step saves and redirects; allow for a busy machine.
    page.set_default_timeout(30_000)
    sign_in(page, practice_manager.email)
    build_survey(page)
    launch_round(page, contact)

    [message] = mailoutbox
    assert message.to == [contact.email]
    link = re.search(r"https?://\S+/surveys/answer/\S+/", message.body).group(0)
    path = link[link.index("/surveys/") :]

    # The client opens the link on a phone, with no sign-in.
    phone = chromium.new_context(
        base_url=live_server.url, viewport=PHONE_VIEWPORT, locale="en-GB"
    )
    client_page = phone.new_page()
    client_page.goto(path)
    assert "Schools survey 2026" in client_page.content()
    assert_accessible(client_page)

    client_page.get_by_label("What should we improve?").fill("Faster first replies")
    client_page.get_by_role("button", name="Send my answers").click()
    assert "Choose a score for this question." in client_page.content()
    assert (
        client_page.get_by_label("What should we improve?").input_value()
        == "Faster first replies"
    )
    assert_accessible(client_page)

    client_page.locator("fieldset", has_text="How satisfied are you?").get_by_text(
        "5", exact=True
    ).click()
    client_page.get_by_role("button", name="Send my answers").click()
    client_page.get_by_role("heading", name="Thank you").wait_for()
    assert_accessible(client_page)

    client_page.goto(path)
    assert "This survey was already answered" in client_page.content()
    phone.close()
    assert Response.objects.count() == 1

    page.get_by_role("link", name="Results").click()
    assert page.locator("#csat").inner_text() == "100.0%"
    assert page.locator("#response-rate").inner_text() == "100.0%"
    assert "Faster first replies" in page.locator("#comments").inner_text()
    page.locator("canvas").first.wait_for()
    assert_accessible(page)
