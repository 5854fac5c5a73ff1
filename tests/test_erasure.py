"""Erasing a contact on request, and the legal holds that block it."""

import json

import pytest
from axes.models import AccessLog
from django.urls import reverse

from accounts.models import AuditEvent, User
from clients.models import Contact, Interaction, Matter, TimeEntry
from feedback.models import Answer, ArticleVote, Feedback, Response
from kpis.models import KpiRecord

from .auth import sign_in
from .factories import KpiRecordFactory
from .privacy_fixtures import EMAIL, NAME, PHONE, seed_contact_history


def erase_url(contact):
    return reverse("clients:contact_erase", args=[contact.client_id, contact.pk])


@pytest.fixture
def contact(client_org, lawyer):
    return seed_contact_history(client_org=client_org, staff=lawyer, times=2)


@pytest.fixture
def manager_http(client, practice_manager):
    return sign_in(client, practice_manager)


def figures():
    """Counts and sums that statistics and KPIs are built from."""
    return {
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "links": Interaction.contacts.through.objects.count(),
        "feedback": list(Feedback.objects.values_list("kind", "status", "received_at")),
        "responses": Response.objects.count(),
        "scores": sorted(
            Answer.objects.exclude(score=None).values_list("score", flat=True)
        ),
        "matters": Matter.objects.count(),
        "time": list(TimeEntry.objects.values_list("minutes", "amount")),
        "kpis": list(KpiRecord.objects.values_list("value", "numerator")),
        "audit": AuditEvent.objects.count(),
    }


# The confirmation page
# ---------------------------------------------------------------------------


def test_confirmation_page_says_what_goes_and_stays(manager_http, contact):
    response = manager_http.get(erase_url(contact))

    page = response.content.decode()
    assert response.status_code == 200
    assert "What goes" in page
    assert "What stays" in page
    assert f"Erased contact #{contact.pk}" in page
    assert "2 contact log entries" in page
    assert "Yes, erase their personal data" in page


def test_erase_link_on_client_page(manager_http, contact):
    page = manager_http.get(contact.client.get_absolute_url()).content.decode()

    assert erase_url(contact) in page


# Erasure
# ---------------------------------------------------------------------------


def test_erasure_blanks_the_contact(manager_http, contact):
    response = manager_http.post(erase_url(contact))

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.full_name == f"Erased contact #{contact.pk}"
    assert (contact.email, contact.phone, contact.job_title) == ("", "", "")
    assert not contact.is_active
    assert contact.erased_at is not None


def test_erasure_leaves_counts_and_kpis_intact(manager_http, contact):
    KpiRecordFactory()
    before = figures()

    manager_http.post(erase_url(contact))

    after = figures()
    assert after.pop("audit") == before.pop("audit") + 1
    assert after == before


def test_erasure_removes_name_from_text(manager_http, contact):
    manager_http.post(erase_url(contact))

    alias = f"Erased contact #{contact.pk}"
    summaries = Interaction.objects.values_list("summary", "outcome")
    for summary, outcome in summaries:
        assert NAME not in summary
        assert EMAIL not in summary
        assert PHONE not in outcome
        assert alias in summary
    assert not Matter.objects.filter(title__contains=NAME).exists()
    assert not Answer.objects.filter(text__contains=NAME).exists()
    mine = Feedback.objects.filter(contact=contact)
    assert set(mine.values_list("message", flat=True)) == {""}
    assert not mine.filter(response__contains=NAME).exists()


def test_erasure_deactivates_portal_account(manager_http, contact):
    manager_http.post(erase_url(contact))

    account = User.objects.get(portal_memberships__client=contact.client)
    assert not account.is_active
    assert account.full_name == f"Erased contact #{contact.pk}"
    assert EMAIL not in account.email
    assert not account.has_usable_password()
    assert not contact.portal_invitations.exclude(email="").exists()


def test_erasure_removes_comments_and_sign_ins(manager_http, contact):
    manager_http.post(erase_url(contact))

    assert set(ArticleVote.objects.values_list("comment", flat=True)) == {""}
    assert not AccessLog.objects.filter(username__iexact=EMAIL).exists()


def test_erasure_redacts_audit_trail(manager_http, contact):
    manager_http.post(erase_url(contact))

    text = json.dumps(
        list(AuditEvent.objects.values("target_repr", "changes", "username")),
        default=str,
    )
    assert NAME not in text
    assert EMAIL not in text
    about = AuditEvent.objects.filter(target_id=str(contact.pk))
    assert set(about.values_list("target_repr", flat=True)) == {
        f"Erased contact #{contact.pk}"
    }


def test_erasure_recorded_without_the_name(manager_http, contact, practice_manager):
    manager_http.post(erase_url(contact))

    entry = AuditEvent.objects.filter(changes__has_key="erasure").get()
    assert entry.actor == practice_manager
    assert entry.target_repr == f"Erased contact #{contact.pk}"
    assert entry.changes["erasure"]["contact_log"] == 2
    assert NAME not in json.dumps(entry.changes)


def test_second_erasure_refused(manager_http, contact):
    manager_http.post(erase_url(contact))

    response = manager_http.post(erase_url(contact), follow=True)

    assert "already been erased" in response.content.decode()
    assert AuditEvent.objects.filter(changes__has_key="erasure").count() == 1


# Legal holds block erasure
# ---------------------------------------------------------------------------


def hold(record, reason="Employment tribunal claim"):
    type(record).objects.filter(pk=record.pk).update(
        legal_hold=True, legal_hold_reason=reason
    )


@pytest.mark.parametrize("held", ["contact", "client", "matter"])
def test_erasure_refused_under_legal_hold(manager_http, contact, held):
    records = {
        "contact": contact,
        "client": contact.client,
        "matter": contact.instructed_matters.first(),
    }
    hold(records[held])

    page = manager_http.get(erase_url(contact)).content.decode()
    response = manager_http.post(erase_url(contact), follow=True)

    assert "Employment tribunal claim" in page
    assert "Yes, erase" not in page
    assert "Not erased." in response.content.decode()
    contact.refresh_from_db()
    assert contact.full_name == NAME


# Who may erase
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["senior_legal_manager", "administrator"])
def test_senior_staff_may_erase(client, request, contact, role):
    sign_in(client, request.getfixturevalue(role))

    assert client.get(erase_url(contact)).status_code == 200
    assert client.post(erase_url(contact)).status_code == 302


@pytest.mark.parametrize("role", ["lawyer", "portal_user"])
def test_lawyers_and_portal_users_cannot_erase(client, request, contact, role):
    sign_in(client, request.getfixturevalue(role))

    assert client.get(erase_url(contact)).status_code == 403
    assert client.post(erase_url(contact)).status_code == 403
    contact.refresh_from_db()
    assert contact.full_name == NAME


# Setting and clearing legal holds
# ---------------------------------------------------------------------------


def hold_urls(contact):
    matter = contact.instructed_matters.first()
    return {
        "client": (
            contact.client,
            reverse("clients:client_legal_hold", args=[contact.client_id]),
        ),
        "matter": (matter, reverse("clients:matter_legal_hold", args=[matter.pk])),
        "contact": (
            contact,
            reverse("clients:contact_legal_hold", args=[contact.client_id, contact.pk]),
        ),
    }


@pytest.mark.parametrize("kind", ["client", "matter", "contact"])
def test_manager_sets_legal_hold_with_reason(
    manager_http, contact, practice_manager, kind
):
    record, url = hold_urls(contact)[kind]

    confirm = manager_http.get(url)
    response = manager_http.post(url, {"action": "set", "reason": "FOI appeal"})

    assert "Put under legal hold" in confirm.content.decode()
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.legal_hold, record.legal_hold_reason) == (True, "FOI appeal")
    assert record.legal_hold_set_by == practice_manager
    assert record.legal_hold_set_at is not None
    entry = AuditEvent.objects.filter(target_id=str(record.pk)).latest("pk")
    assert entry.changes["legal_hold"] == ["False", "True"]


def test_legal_hold_needs_a_reason(manager_http, contact):
    record, url = hold_urls(contact)["client"]

    response = manager_http.post(url, {"action": "set", "reason": "   "})

    assert response.status_code == 400
    assert "Enter the reason for the hold" in response.content.decode()
    record.refresh_from_db()
    assert not record.legal_hold


def test_manager_clears_legal_hold(manager_http, contact):
    record, url = hold_urls(contact)["matter"]
    hold(record, reason="Planning inquiry")

    confirm = manager_http.get(url).content.decode()
    manager_http.post(url, {"action": "clear"})

    assert "Yes, clear the hold" in confirm
    assert "Planning inquiry" in confirm
    record.refresh_from_db()
    assert (record.legal_hold, record.legal_hold_reason) == (False, "")
    entry = AuditEvent.objects.filter(target_id=str(record.pk)).latest("pk")
    assert entry.changes["legal_hold"] == ["True", "False"]


@pytest.mark.parametrize("kind", ["client", "matter", "contact"])
def test_lawyer_cannot_set_legal_hold(client, lawyer, contact, kind):
    record, url = hold_urls(contact)[kind]
    sign_in(client, lawyer)

    response = client.post(url, {"action": "set", "reason": "Claim"})

    assert response.status_code == 403
    record.refresh_from_db()
    assert not record.legal_hold


def test_hold_buttons_on_client_and_matter_pages(manager_http, contact):
    urls = hold_urls(contact)

    client_page = manager_http.get(contact.client.get_absolute_url()).content
    matter_page = manager_http.get(urls["matter"][0].get_absolute_url()).content

    assert urls["client"][1] in client_page.decode()
    assert urls["contact"][1] in client_page.decode()
    assert urls["matter"][1] in matter_page.decode()
