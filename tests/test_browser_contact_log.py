"""A lawyer logs a client contact in Chromium, as they would after a meeting."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Interaction

from .browser import PHONE_VIEWPORT, serious_accessibility_violations
from .factories import PASSWORD, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school(client_org, lawyer):
    client_org.relationship_owner = lawyer
    client_org.save()
    ContactFactory(client=client_org, full_name="Gwen Davies", job_title="Head teacher")
    return client_org


def sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def tab_to(page, element_id, max_presses=12):
    """Press Tab until the element with ``element_id`` has the focus."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_lawyer_logs_contact_with_follow_up(page, lawyer, school):
    page.goto(reverse("accounts:login"))
    assert_accessible(page)

    sign_in(page, lawyer.email)
    page.wait_for_url("**/")
    assert_accessible(page)

    page.get_by_role("link", name="Clients", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name=school.name).click()
    page.wait_for_url(f"**{school.get_absolute_url()}")
    assert_accessible(page)

    # The quick log form, filled in with the keyboard alone.
    page.get_by_label("Channel").focus()
    page.keyboard.type("Meeting")
    tab_to(page, "id_log-kind")
    page.keyboard.type("One-to-one")
    tab_to(page, "id_log-contacts_0")  # past "When", already set to now
    page.keyboard.press("Space")
    tab_to(page, "id_log-summary")
    page.keyboard.type("Discussed the admissions appeal timetable.")
    tab_to(page, "id_log-outcome")
    page.keyboard.type("Agreed to send a briefing note.")
    tab_to(page, "id_log-follow_up_action")
    page.keyboard.type("Send the briefing note")
    tab_to(page, "id_log-follow_up_due")
    # Headless Chromium orders a date input's parts by its own locale, not
    # the page's, so the date is set whole rather than typed part by part.
    page.locator("#id_log-follow_up_due").fill(timezone.localdate().isoformat())
    tab_to(page, "submit-id-log")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{school.get_absolute_url()}#timeline")
    timeline = page.locator("#timeline")
    assert "Discussed the admissions appeal timetable." in timeline.inner_text()
    assert "With Gwen Davies" in timeline.inner_text()
    assert_accessible(page)

    interaction = Interaction.objects.get()
    assert interaction.staff == lawyer
    assert interaction.channel == Interaction.Channel.MEETING
    assert interaction.kind == Interaction.Kind.NEEDS_ASSESSMENT
    assert interaction.follow_up_action == "Send the briefing note"
    assert interaction.follow_up_due == timezone.localdate()

    page.get_by_role("link", name="Home").click()
    follow_ups = page.locator(
        "section", has=page.get_by_role("heading", name="My follow-ups")
    )
    assert "Send the briefing note" in follow_ups.inner_text()
    assert_accessible(page)

    follow_ups.get_by_role("button", name="Mark done").click()
    page.get_by_role("status").filter(
        has_text="Done: Send the briefing note"
    ).wait_for()
    interaction.refresh_from_db()
    assert interaction.follow_up_done


def test_pages_accessible_at_phone_width(page, lawyer, school):
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in(page, lawyer.email)
    page.wait_for_url("**/")

    for url in (reverse("home"), reverse("clients:list"), school.get_absolute_url()):
        page.goto(url)
        assert_accessible(page)

    # The log form comes before the details on a phone, so it is the first
    # thing a lawyer reaches after a meeting.
    form_top = page.get_by_role("heading", name="Log a contact").bounding_box()["y"]
    details_top = page.get_by_role("heading", name="Details").bounding_box()["y"]
    assert form_top < details_top


def test_bad_input_in_browser_keeps_text(page, lawyer, school):
    sign_in(page, lawyer.email)
    page.wait_for_url("**/")
    page.goto(school.get_absolute_url())

    page.get_by_label("Follow-up action").fill("Chase the signed lease")
    page.get_by_role("button", name="Log contact").click()

    summary = page.get_by_label("Summary")
    assert page.get_by_text("This field is required.").first.is_visible()
    assert (
        page.get_by_label("Follow-up action").input_value() == "Chase the signed lease"
    )
    assert summary.get_attribute("aria-invalid") == "true" or "is-invalid" in (
        summary.get_attribute("class") or ""
    )
    assert_accessible(page)
