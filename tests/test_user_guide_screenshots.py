"""Take the screenshots of docs/user-guide.md from the running product.

Each test follows one role's part of the guide in Chromium and checks that
each page shows what the guide describes. It writes the pictures into
docs/images/ over those of the last run, so that they stay true to the
product. Each file is named after the step it shows.
"""

import csv
import datetime as dt
import io
import re
from base64 import b32decode
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from accounts import invitations
from clients.models import Interaction, Matter
from feedback.models import Feedback, Response
from kpis import services
from kpis.models import KpiDefinition
from kpis.periods import Period, PeriodKind

from .factories import (
    PASSWORD,
    ArticleFactory,
    AuthorityAimFactory,
    ClientFactory,
    ContactFactory,
    HourlyRateFactory,
    InvitationFactory,
    MatterFactory,
    MatterTypeFactory,
    SurveyRoundFactory,
    TimeEntryFactory,
)
from .survey_fixtures import build_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
GUIDE_VIEWPORT = {"width": 1280, "height": 800}
CONTACT_PASSWORD = "meadow-lantern-quartz-42"
# Margin in pixels kept around a cropped part of a page, so that its border shows.
SPAN_MARGIN = 12


@pytest.fixture
def guide_page(page):
    page.set_viewport_size(GUIDE_VIEWPORT)
    # Saving a form and redirecting can be slow while other work runs.
    page.set_default_timeout(30_000)
    IMAGES.mkdir(parents=True, exist_ok=True)
    return page


def shoot(target, name):
    """Save a picture of ``target`` (a page or one part of it) as ``name``.png."""
    page = getattr(target, "page", target)
    # A focus ring or a selected date part would show in the picture.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    target.screenshot(path=IMAGES / f"{name}.png", animations="disabled")


def shoot_span(page, first, last, name):
    """Save the part of the page from the top of ``first`` to the end of ``last``."""
    page.evaluate("window.scrollTo(0, 0)")
    top, bottom = first.bounding_box(), last.bounding_box()
    left = max(min(top["x"], bottom["x"]) - SPAN_MARGIN, 0)
    right = max(top["x"] + top["width"], bottom["x"] + bottom["width"]) + SPAN_MARGIN
    upper = max(top["y"] - SPAN_MARGIN, 0)
    lower = bottom["y"] + bottom["height"] + SPAN_MARGIN
    clip = {"x": left, "y": upper, "width": right - left, "height": lower - upper}
    page.screenshot(
        path=IMAGES / f"{name}.png", clip=clip, full_page=True, animations="disabled"
    )


def main(page):
    return page.locator("main")


def sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def app_code(secret_text, steps_ahead=0):
    """Return the code an authenticator app shows for the secret on the page."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


# Lawyer
# ---------------------------------------------------------------------------


@pytest.fixture
def lawyer_work(lawyer):
    school = ClientFactory(name="Marlott Primary School", relationship_owner=lawyer)
    ContactFactory(client=school, full_name="Gwen Davies", job_title="Head teacher")
    HourlyRateFactory(staff=lawyer, rate="80.00", effective_from=dt.date(2020, 1, 1))
    matter = MatterFactory(
        client=school,
        reference="LEG/00412",
        title="Lease of the playing field",
        responsible_lawyer=lawyer,
        team=lawyer.profile.team,
        opened_on=timezone.localdate() - dt.timedelta(days=20),
    )
    return school, matter


def test_lawyer_guide_screenshots(guide_page, lawyer, lawyer_work):
    page = guide_page
    school, matter = lawyer_work
    sign_in(page, lawyer.email)
    page.wait_for_url("**/")

    page.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_role("link", name=school.name).click()
    log_form = page.locator(
        "section", has=page.get_by_role("heading", name="Log a contact")
    )
    log_form.get_by_label("Channel").select_option(label="Meeting")
    log_form.get_by_label("Kind").select_option(index=1)
    log_form.get_by_label("Gwen Davies").check()
    log_form.get_by_label("Summary").fill("Talked through the lease renewal.")
    log_form.get_by_label("Outcome").fill("We will send a draft lease.")
    log_form.get_by_label("Follow-up action").fill("Send the draft lease")
    page.locator("#id_log-follow_up_due").fill(timezone.localdate().isoformat())
    shoot(log_form, "lawyer-log-contact")
    log_form.get_by_role("button", name="Log contact").click()
    page.wait_for_url("**#timeline")
    assert Interaction.objects.get().follow_up_action == "Send the draft lease"

    page.get_by_role("link", name="Home").click()
    follow_ups = page.locator(
        "section", has=page.get_by_role("heading", name="My follow-ups")
    )
    assert "Send the draft lease" in follow_ups.inner_text()
    assert follow_ups.get_by_role("button", name="Mark done").is_visible()
    shoot(follow_ups, "lawyer-follow-ups")

    page.goto(matter.get_absolute_url())
    record = page.locator(
        "section", has=page.get_by_role("heading", name="Record time")
    )
    record.get_by_label("Minutes").fill("1:30")
    record.get_by_label("Note").fill("Drafted the lease")
    shoot(record, "lawyer-record-time")
    record.get_by_role("button", name="Record time").click()
    entry = page.locator("#time").get_by_role("row").filter(has_text="Drafted")
    entry.wait_for()
    assert "90" in entry.inner_text()

    page.get_by_role("link", name="Close matter").click()
    page.get_by_role("heading", name=f"Close {matter.reference}?").wait_for()
    page.get_by_label("Outcome").select_option(index=1)
    shoot(main(page), "lawyer-close-matter")
    page.get_by_role("button", name="Yes, close the matter").click()
    page.wait_for_url(f"**{matter.get_absolute_url()}")
    matter.refresh_from_db()
    assert matter.status == Matter.Status.CLOSED


# Practice manager
# ---------------------------------------------------------------------------


@pytest.fixture
def service_figures(practice_manager, seeded_kpi_definitions):
    """Record six months of chargeable time, with a target and an aim, and roll up."""
    KpiDefinition.objects.filter(code="chargeable_hours").update(
        target=Decimal("3"),
        amber_threshold=Decimal("2"),
        aim=AuthorityAimFactory(code="VFM", name="Value for money"),
    )
    matter = MatterFactory(team=practice_manager.profile.team)
    this_month = Period.containing(PeriodKind.MONTH, timezone.localdate())
    months = this_month.recent(6)
    for month, minutes in zip(months, [150, 210, 180, 240, 270, 90], strict=True):
        TimeEntryFactory(
            matter=matter,
            staff=practice_manager,
            worked_on=month.start,
            minutes=minutes,
        )
    services.rollup(periods=months)


@pytest.fixture
def parish(lawyer):
    parish = ClientFactory(name="Stourcastle Town Council", relationship_owner=lawyer)
    ContactFactory(
        client=parish,
        full_name="Tom Hardy",
        job_title="Town clerk",
        email="tom.hardy@example.org",
    )
    return parish


def test_practice_manager_guide_screenshots(
    guide_page, practice_manager, service_figures, parish
):
    page = guide_page
    sign_in(page, practice_manager.email)
    page.wait_for_url("**/")

    page.get_by_role("link", name="KPIs", exact=True).click()
    page.wait_for_url(f"**{reverse('kpis:overview')}")
    assert page.get_by_role("heading", name="Value for money").is_visible()
    assert page.get_by_role("heading", name="Chargeable hours").is_visible()
    assert page.get_by_role("link", name="Download XLSX").is_visible()
    shoot(page, "manager-kpi-overview")

    page.get_by_role("link", name="Chargeable hours").click()
    page.wait_for_url(f"**{reverse('kpis:detail', args=['chargeable_hours'])}*")
    page.wait_for_function(
        "document.getElementById('kpi-trend').dataset.kpiChartReady !== undefined"
    )
    table = page.get_by_role("table", name="Chargeable hours over the last 12 periods")
    assert "1.50 h" in table.inner_text()
    assert "4.50 h" in table.inner_text()
    shoot(page, "manager-kpi-detail")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    assert download_info.value.suggested_filename == "kpi-chargeable_hours.xlsx"

    page.goto(parish.get_absolute_url())
    contacts = page.locator("section", has=page.get_by_role("heading", name="Contacts"))
    assert contacts.get_by_role("button", name="Export personal data").is_visible()
    assert contacts.get_by_role("link", name="Erase Tom Hardy").is_visible()
    assert contacts.get_by_role("link", name="Legal hold on Tom Hardy").is_visible()
    shoot(contacts, "manager-contact-privacy-actions")

    with page.expect_download() as download_info:
        contacts.get_by_role("button", name="Export personal data").click()
    assert download_info.value.suggested_filename.endswith(".zip")

    contacts.get_by_role("link", name="Legal hold").click()
    page.get_by_label("Reason for the hold").fill("Subject of an audit query.")
    shoot(main(page), "manager-legal-hold")
    page.get_by_role("button", name="Put under legal hold").click()
    page.get_by_text("is now under a legal hold").wait_for()

    # The hold is cleared again, because a contact under a hold cannot be erased.
    page.goto(parish.get_absolute_url())
    page.get_by_role("link", name="Clear legal hold on Tom Hardy").click()
    page.get_by_role("button", name="Yes, clear the hold").click()
    page.get_by_text("is cleared").wait_for()
    page.goto(parish.get_absolute_url())
    page.get_by_role("link", name="Erase").first.click()
    assert page.get_by_role("heading", name="What goes").is_visible()
    assert page.get_by_role("heading", name="What stays").is_visible()
    shoot(main(page), "manager-erase-contact")


# Administrator
# ---------------------------------------------------------------------------


def matters_file(lawyer):
    buffer = io.StringIO()
    opened = (timezone.localdate() - dt.timedelta(days=7)).strftime("%d/%m/%Y")
    header = [
        "Matter ref",
        "Client",
        "Title",
        "Type",
        "Fee earner email",
        "Date opened",
    ]
    rows = [
        ["HW/1", "WCC-PE-3100", "Road closure order", "Advice", lawyer.email, opened],
        ["HW/2", "WCC-PE-3100", "Bridge contract", "Advice", lawyer.email, opened],
        ["HW/3", "WCC-PE-3100", "Footpath order", "Advice", lawyer.email, "31/31/2026"],
    ]
    csv.writer(buffer).writerows([header, *rows])
    return {
        "name": "matters.csv",
        "mimeType": "text/csv",
        "buffer": buffer.getvalue().encode(),
    }


@pytest.fixture
def highways(lawyer):
    MatterTypeFactory(name="Advice")
    return ClientFactory(
        name="Highways and Transport",
        kind="internal_service",
        cost_centre_code="WCC-PE-3100",
    )


def test_administrator_guide_screenshots(guide_page, administrator, lawyer, highways):
    page = guide_page
    sign_in(page, administrator.email)
    page.wait_for_url("**/accounts/security/two-factor/set-up/**")
    assert page.get_by_role(
        "img", name="QR code for your authenticator app"
    ).is_visible()
    shoot(main(page), "admin-two-factor-set-up")
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your backup codes").wait_for()
    page.get_by_role("link", name="I have noted them, continue").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name=lawyer.email).wait_for()
    shoot(page, "admin-users")
    page.get_by_role("link", name=lawyer.email).click()
    roles = page.locator(
        "fieldset", has=page.get_by_role("heading", name="Roles and access")
    )
    assert roles.get_by_label("Lawyer").is_checked()
    shoot(roles, "admin-user-roles")

    page.goto(reverse("clients:matter_list"))
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("What the file contains").select_option(label="Matters")
    page.locator("#id_file").set_input_files(matters_file(lawyer))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="What importing would do").wait_for()
    assert page.get_by_role("button", name="Import the 2 valid rows").is_visible()
    problems = page.locator("section", has=page.get_by_role("heading", name="Problems"))
    assert "is not a date" in problems.inner_text()
    shoot_span(
        page, page.get_by_role("heading", level=1), problems, "admin-import-check"
    )
    page.get_by_role("button", name="Import the 2 valid rows").click()
    page.get_by_text("Imported: 2 created").wait_for()
    assert Matter.objects.filter(client=highways).count() == 2

    page.get_by_role("link", name="Audit trail", exact=True).click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    entries = page.get_by_role("table").inner_text()
    assert "Signed in" in entries
    assert "Matters from matters.csv" in entries
    shoot(page, "admin-audit-trail")


# Client, in the portal
# ---------------------------------------------------------------------------


@pytest.fixture
def invited_contact(lawyer, client_org, article_for_all):
    contact = ContactFactory(
        client=client_org, full_name="Gwen Davies", email="gwen.davies@example.org"
    )
    survey = build_survey(title="Client satisfaction 2026")
    InvitationFactory(round=SurveyRoundFactory(survey=survey), contact=contact)
    ArticleFactory(
        title="Data protection requests",
        slug="data-protection-requests",
        category=article_for_all.category,
        owner=lawyer,
    )
    MatterFactory(client=client_org, title="Lease of the playing field")
    invitations.invite_contact(contact=contact, invited_by=lawyer)
    link = re.search(r"https?://\S+/portal/invitation/\S+/", mail.outbox[-1].body)
    return contact, urlsplit(link.group(0)).path


def test_client_guide_screenshots(guide_page, invited_contact):
    page = guide_page
    contact, invitation_path = invited_contact

    page.goto(invitation_path)
    page.get_by_label("Choose a password").fill(CONTACT_PASSWORD)
    page.get_by_label("Type the password again").fill(CONTACT_PASSWORD)
    shoot(main(page), "client-set-password")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url(f"**{reverse('portal:sign_in')}")
    page.get_by_label("Email address").fill(contact.email)
    page.get_by_label("Password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{reverse('portal:home')}")
    assert "Welcome, Gwen Davies" in main(page).inner_text()
    assert "Lease of the playing field" in main(page).inner_text()
    assert page.get_by_role("link", name="Client satisfaction 2026").is_visible()
    shoot(page, "client-portal-home")

    page.get_by_role("link", name="Guidance", exact=True).click()
    page.get_by_role("link", name="How to instruct us").first.click()
    page.get_by_role("heading", name="How to instruct us").wait_for()
    assert page.get_by_label("Yes").is_visible()
    shoot(page, "client-read-guidance")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you. Your answer helps us").wait_for()

    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_role("link", name="Client satisfaction 2026").click()
    page.locator("fieldset", has_text="Overall rating").get_by_text(
        "4", exact=True
    ).click()
    page.locator("fieldset", has_text="Recommend us?").get_by_text(
        "9", exact=True
    ).click()
    page.get_by_label("Email").check()
    page.get_by_label("Anything else?").fill("Quick and clear advice.")
    shoot(main(page), "client-answer-survey")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert Response.objects.count() == 1

    # The survey's thank-you page has no portal menu to go back with.
    page.goto(reverse("portal:home"))
    page.get_by_role("link", name="Tell us what you think").click()
    page.get_by_label("Compliment").check()
    page.get_by_label("Subject").fill("Help with the lease")
    page.get_by_label("Your message").fill("Thank you for the quick advice.")
    shoot(main(page), "client-give-feedback")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_url(re.compile(r"/portal/feedback/\d+/$"))
    assert Feedback.objects.get().subject == "Help with the lease"
