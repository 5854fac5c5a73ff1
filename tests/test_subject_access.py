"""The subject access export of a contact: one ZIP with all their data."""

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent

from .auth import sign_in
from .factories import ContactFactory, FeedbackFactory
from .privacy_fixtures import EMAIL, NAME, seed_contact_history

EXPECTED_FILES = {
    "README.txt",
    "data.json",
    "contact.csv",
    "contact_log.csv",
    "matters_instructed.csv",
    "survey_invitations.csv",
    "survey_answers.csv",
    "feedback.csv",
    "portal_accounts.csv",
    "guidance_votes.csv",
    "sign_in_records.csv",
    "portal_memberships.csv",
    "portal_invitations.csv",
    "audit_entries.csv",
}


def export_url(contact):
    return reverse("clients:contact_export", args=[contact.client_id, contact.pk])


def download(http, user, contact):
    sign_in(http, user)
    return http.post(export_url(contact))


def open_archive(response):
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def read_csv(archive, name):
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def contact(client_org, lawyer):
    return seed_contact_history(client_org=client_org, staff=lawyer, times=2)


def test_archive_holds_every_section(client, practice_manager, contact):
    response = download(client, practice_manager, contact)

    archive = open_archive(response)
    assert set(archive.namelist()) == EXPECTED_FILES
    assert "attachment;" in response["Content-Disposition"]
    assert f"contact-{contact.pk}-personal-data" in response["Content-Disposition"]


def test_json_holds_the_contacts_records(client, practice_manager, contact):
    archive = open_archive(download(client, practice_manager, contact))

    data = json.loads(archive.read("data.json"))
    assert data["contact"][0]["email"] == EMAIL
    assert len(data["contact_log"]) == 2
    assert len(data["matters_instructed"]) == 2
    assert len(data["survey_invitations"]) == 2
    assert len(data["survey_answers"]) == 4
    assert len(data["feedback"]) == 4
    assert [a["email"] for a in data["portal_accounts"]] == [EMAIL]
    assert len(data["portal_memberships"]) == 1
    assert len(data["portal_invitations"]) == 1
    assert data["guidance_votes"][0]["comment"] == f"{NAME} here: this did not help"
    assert data["sign_in_records"][0]["ip_address"] == "192.0.2.10"
    actions = {entry["action"] for entry in data["audit_entries"]}
    assert {"Changed", "Signed in", "Sign-in failed"} <= actions


def test_csv_files_are_readable_and_safe(client, practice_manager, contact):
    archive = open_archive(download(client, practice_manager, contact))

    assert read_csv(archive, "contact.csv")[0]["full_name"] == NAME
    messages = [row["message"] for row in read_csv(archive, "feedback.csv")]
    assert '\'=HYPERLINK("http://example.org") I waited a month.' in messages
    answers = read_csv(archive, "survey_answers.csv")
    assert {row["text"] for row in answers} >= {f"I am {NAME}, call me back"}


def test_readme_describes_each_file(client, practice_manager, contact):
    archive = open_archive(download(client, practice_manager, contact))

    readme = archive.read("README.txt").decode()
    assert NAME in readme
    for name in EXPECTED_FILES - {"README.txt"}:
        assert name in readme
    assert "Review them and redact" in readme


def test_archive_leaves_out_other_contacts(client, practice_manager, contact):
    other = ContactFactory(client=contact.client, full_name="Someone Else")
    FeedbackFactory(client=contact.client, contact=other, message="Not hers")

    archive = open_archive(download(client, practice_manager, contact))

    data = archive.read("data.json").decode()
    assert "Someone Else" not in data
    assert "Not hers" not in data


def test_export_recorded_in_audit_trail(client, senior_legal_manager, contact):
    download(client, senior_legal_manager, contact)

    entry = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).get()
    assert entry.actor == senior_legal_manager
    assert entry.target_id == str(contact.pk)
    assert entry.changes["subject_access"]["feedback"] == 4


@pytest.mark.parametrize("role", ["practice_manager", "senior_legal_manager"])
def test_managers_may_export(client, request, contact, role):
    response = download(client, request.getfixturevalue(role), contact)

    assert response.status_code == 200


def test_administrator_may_export(client, administrator, contact):
    assert download(client, administrator, contact).status_code == 200


@pytest.mark.parametrize("role", ["lawyer", "portal_user"])
def test_lawyers_and_portal_users_refused(client, request, contact, role):
    response = download(client, request.getfixturevalue(role), contact)

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_anonymous_visitor_sent_to_sign_in(client, contact):
    response = client.post(export_url(contact))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_contact_of_another_client_not_found(
    client, practice_manager, contact, other_client_org
):
    sign_in(client, practice_manager)
    url = reverse("clients:contact_export", args=[other_client_org.pk, contact.pk])

    assert client.post(url).status_code == 404


def test_export_button_on_client_page(client, practice_manager, contact):
    sign_in(client, practice_manager)

    page = client.get(contact.client.get_absolute_url()).content.decode()

    assert export_url(contact) in page


def test_query_count_does_not_grow_with_history(
    client, practice_manager, client_org, other_client_org, lawyer
):
    short = seed_contact_history(client_org=client_org, staff=lawyer, times=1)
    long = seed_contact_history(
        client_org=other_client_org, staff=lawyer, times=8, email="jo@example.org"
    )
    sign_in(client, practice_manager)
    client.post(export_url(short))

    with CaptureQueriesContext(connection) as short_queries:
        client.post(export_url(short))
    with CaptureQueriesContext(connection) as long_queries:
        client.post(export_url(long))

    assert len(long_queries) == len(short_queries)
