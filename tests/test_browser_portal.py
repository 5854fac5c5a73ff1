"""A client contact joins the portal in Chromium and follows a complaint through.

A lawyer invites the contact from the client page. The contact sets a
password, signs in, reads an article, marks it helpful and sends a
complaint; a practice manager answers it, and the contact sees the answer.
axe-core checks each portal page at desktop width, and again at phone width.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from feedback.models import ArticleVote, Feedback

from .browser import PHONE_VIEWPORT, open_page, serious_accessibility_violations
from .factories import PASSWORD, ContactFactory, FeedbackFactory, MatterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_PASSWORD = "orchard-bicycle-thunder-58"


def assert_accessible(page):
    violations = serious_accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def staff_sign_in(page, email):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def portal_sign_in(page, email, password):
    page.goto(reverse("portal:sign_in"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{reverse('portal:home')}")


@pytest.fixture
def contact_page(chromium, live_server):
    context, page, problems = open_page(chromium, live_server.url)
    yield page
    context.close()
    assert problems.items == [], "The page reported errors:\n" + "\n".join(
        problems.items
    )


def invitation_path():
    body = mail.outbox[-1].body
    return re.search(r"(/portal/invitation/[^/\s]+/)", body).group(1)


def test_contact_joins_and_follows_complaint(
    page, contact_page, lawyer, practice_manager, client_org, article_for_all
):
    ContactFactory(client=client_org, full_name="Gwen Davies", email="gwen@example.org")

    # A lawyer sends the invitation from the client page.
    staff_sign_in(page, lawyer.email)
    page.goto(client_org.get_absolute_url())
    page.get_by_role("link", name="Invite Gwen Davies to the portal").click()
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"**{client_org.get_absolute_url()}#contact-*")
    assert "Portal invitation sent to Gwen Davies" in page.inner_text("main")

    # The contact chooses a password from the emailed link and signs in.
    contact = contact_page
    contact.goto(invitation_path())
    assert_accessible(contact)
    contact.get_by_label("Choose a password").fill(CONTACT_PASSWORD)
    contact.get_by_label("Type the password again").fill(CONTACT_PASSWORD)
    contact.get_by_role("button", name="Set password").click()
    contact.wait_for_url(f"**{reverse('portal:sign_in')}")
    assert_accessible(contact)
    portal_sign_in(contact, "gwen@example.org", CONTACT_PASSWORD)
    assert "Welcome, Gwen Davies" in contact.inner_text("main")
    assert_accessible(contact)

    # Reads an article and marks it helpful.
    contact.get_by_role("link", name="Guidance", exact=True).click()
    assert_accessible(contact)
    contact.get_by_role("link", name="How to instruct us").first.click()
    contact.get_by_role("heading", name="How to instruct us").wait_for()
    assert_accessible(contact)
    contact.get_by_label("Yes").check()
    contact.get_by_label("Anything to add? (optional)").fill("Clear and short.")
    contact.get_by_role("button", name="Send").click()
    contact.get_by_text("Thank you. Your answer helps us").wait_for()
    vote = ArticleVote.objects.get()
    assert vote.helpful
    assert vote.comment == "Clear and short."

    # Sends a complaint.
    contact.get_by_role("link", name="Your feedback", exact=True).click()
    contact.get_by_role("link", name="Tell us what you think").click()
    assert_accessible(contact)
    contact.get_by_label("Complaint").check()
    contact.get_by_label("Subject").fill("Advice arrived late")
    contact.get_by_label("Your message").fill("The lease advice came after the date.")
    contact.get_by_role("button", name="Send feedback").click()
    contact.wait_for_url(re.compile(r"/portal/feedback/\d+/$"))
    item = Feedback.objects.get(subject="Advice arrived late")
    assert contact.url.endswith(item.get_portal_url())
    assert "We have received this" in contact.inner_text("main")
    assert_accessible(contact)

    # A practice manager answers it in the queue.
    page.get_by_role("button", name="Lena Lawyer").click()
    page.get_by_role("button", name="Sign out").click()
    staff_sign_in(page, practice_manager.email)
    page.get_by_role("link", name="Feedback", exact=True).click()
    page.get_by_role("link", name="Advice arrived late").click()
    page.get_by_role("textbox", name="Response to the client").fill(
        "We are sorry. The advice is now with you, and we have changed how we "
        "track dates."
    )
    page.get_by_role("button", name="Send response").click()
    page.get_by_text("Response saved").wait_for()

    # The contact sees the answer.
    contact.reload()
    assert "we have changed how we track dates" in contact.inner_text("main")
    assert "Answered" in contact.inner_text("main")
    assert_accessible(contact)
    item.refresh_from_db()
    assert item.status == Feedback.Status.RESPONDED


def test_portal_pages_accessible_at_phone_width(
    page, portal_user, client_org, article_for_all, school_article
):
    MatterFactory(client=client_org, title="Lease of the playing field")
    item = FeedbackFactory(
        client=client_org, submitted_by=portal_user, response="Thanks for this."
    )
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(reverse("portal:sign_in"))
    assert_accessible(page)
    portal_sign_in(page, portal_user.email, PASSWORD)

    urls = [
        reverse("portal:home"),
        reverse("portal:guidance"),
        school_article.get_portal_url(),
        reverse("portal:matters"),
        reverse("portal:feedback"),
        reverse("portal:feedback_new"),
        item.get_portal_url(),
    ]
    for url in urls:
        page.goto(url)
        assert_accessible(page)

    # At phone width the navigation folds behind its toggle button.
    page.goto(reverse("portal:home"))
    guidance_link = page.get_by_role("link", name="Guidance", exact=True)
    assert not guidance_link.is_visible()
    page.get_by_role("button", name="Show navigation").click()
    guidance_link.wait_for(state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"]
