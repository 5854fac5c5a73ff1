"""A key account chosen, assessed, planned and agreed in Chromium."""

import pytest
from django.urls import reverse

from clients.models import ClientPlan, KeyAccount, PlanNeed

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
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def designate(page, school, lawyer):
    page.get_by_role("link", name="Key accounts", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Client ranking", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Designate {school.name} as a key account").click()
    assert_accessible(page)

    page.get_by_label("Tier").select_option("strategic")
    page.get_by_label("Account owner").select_option(str(lawyer.pk))
    page.get_by_label("Senior sponsor").select_option(label="Sam Senior")
    page.get_by_label("Agreed contact frequency, in days").fill("30")
    page.get_by_label("Review frequency, in months").fill("6")
    page.get_by_label("Next review date").fill("2027-03-01")
    page.get_by_label("Reason chosen").fill("The largest school in the county.")
    page.get_by_role("button", name="Designate key account").click()
    page.get_by_role("heading", name="Health").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Start a plan").click()
    page.get_by_role("heading", name="Needs", exact=True).wait_for()
    assert_accessible(page)


def record_needs_assessment(page, school):
    page.goto(school.get_absolute_url())
    page.locator("#id_log-channel").select_option("meeting")
    page.locator("#id_log-kind").select_option("needs_assessment")
    page.locator("#id_log-summary").fill("Termly one-to-one with the head.")
    page.locator("#id_log-outcome").fill(
        "Advice on academy conversion\nTraining for new governors"
    )
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_url(f"**{school.get_absolute_url()}#timeline")
    assert_accessible(page)


def add_needs_to_plan(page):
    page.get_by_role("link", name="Add needs to plan").first.click()
    assert_accessible(page)
    needs = page.get_by_role("textbox", name="Needs")
    assert needs.input_value() == (
        "Advice on academy conversion\nTraining for new governors"
    )
    page.get_by_role("button", name="Add needs to plan").click()
    page.get_by_text("2 needs added to the plan.").wait_for()
    assert_accessible(page)


def test_key_account_designated_planned_and_agreed(
    page, school, lawyer, senior_legal_manager
):
    sign_in(page, senior_legal_manager.email)
    designate(page, school, lawyer)
    account = KeyAccount.objects.get(client=school)
    assert account.owner == lawyer
    assert account.plans.get().status == ClientPlan.Status.DRAFT

    sign_in(page, lawyer.email)
    record_needs_assessment(page, school)
    add_needs_to_plan(page)
    assert PlanNeed.objects.filter(plan__key_account=account).count() == 2

    sign_in(page, senior_legal_manager.email)
    page.goto(account.plans.get().get_absolute_url())
    page.get_by_role("button", name="Agree plan").click()
    page.get_by_text("Plan agreed. It is now locked.").wait_for()
    assert_accessible(page)
    assert account.plans.get().status == ClientPlan.Status.AGREED

    page.get_by_role("link", name="Print view").click()
    assert "Advice on academy conversion" in page.content()
    assert_accessible(page)


def test_key_account_pages_accessible_on_phone(
    page, school, lawyer, senior_legal_manager
):
    sign_in(page, senior_legal_manager.email)
    designate(page, school, lawyer)
    account = KeyAccount.objects.get(client=school)
    page.set_viewport_size(PHONE_VIEWPORT)

    for url in (
        reverse("clients:key_account_list"),
        reverse("clients:leaver_list"),
        reverse("clients:key_account_ranking"),
        reverse("clients:relationships", args=[school.pk]),
        account.get_absolute_url(),
        account.plans.get().get_absolute_url(),
    ):
        page.goto(url)
        assert_accessible(page)
