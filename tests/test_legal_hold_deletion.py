"""Records under a legal hold, or covered by one, cannot be deleted."""

import pytest
from django.urls import reverse

from clients.models import Client, Contact, Interaction, Matter, TimeEntry
from tests import factories
from tests.auth import sign_in


def hold(record):
    type(record).objects.filter(pk=record.pk).update(
        legal_hold=True, legal_hold_reason="Employment tribunal claim"
    )


@pytest.fixture
def manager_http(client, practice_manager):
    return sign_in(client, practice_manager)


@pytest.fixture
def contact(client_org):
    return factories.ContactFactory(client=client_org)


def test_held_client_not_deleted(manager_http, client_org):
    hold(client_org)
    url = reverse("clients:delete", args=[client_org.pk])

    page = manager_http.get(url)
    assert b"legal hold applies" in page.content
    assert b"Yes, delete" not in page.content

    response = manager_http.post(url, follow=True)
    assert Client.objects.filter(pk=client_org.pk).exists()
    assert b"cannot be deleted" in response.content


def test_client_with_held_contact_not_deleted(manager_http, client_org, contact):
    hold(contact)
    manager_http.post(reverse("clients:delete", args=[client_org.pk]))
    assert Client.objects.filter(pk=client_org.pk).exists()


def test_held_contact_not_deleted(manager_http, client_org, contact):
    hold(contact)
    url = reverse("clients:contact_delete", args=[client_org.pk, contact.pk])
    manager_http.post(url)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_of_held_client_not_deleted(manager_http, client_org, contact):
    hold(client_org)
    url = reverse("clients:contact_delete", args=[client_org.pk, contact.pk])
    manager_http.post(url)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_interaction_naming_held_contact_kept(
    manager_http, client_org, contact, lawyer
):
    interaction = factories.InteractionFactory(client=client_org, created_by=lawyer)
    interaction.contacts.add(contact)
    hold(contact)
    url = reverse("clients:interaction_delete", args=[client_org.pk, interaction.pk])
    manager_http.post(url)
    assert Interaction.objects.filter(pk=interaction.pk).exists()


def test_time_on_held_matter_kept(client, lawyer, client_org):
    matter = factories.MatterFactory(client=client_org, responsible_lawyer=lawyer)
    entry = factories.TimeEntryFactory(matter=matter, staff=lawyer)
    hold(matter)
    sign_in(client, lawyer)
    url = reverse("clients:time_entry_delete", args=[entry.pk])

    page = client.get(url)
    assert b"legal hold applies" in page.content

    response = client.post(url, follow=True)
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    assert b"cannot be deleted" in response.content
    assert Matter.objects.get(pk=matter.pk).legal_hold


def test_unheld_contact_still_deleted(manager_http, client_org, contact):
    url = reverse("clients:contact_delete", args=[client_org.pk, contact.pk])
    manager_http.post(url)
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_admin_keeps_held_records(client, administrator, client_org, contact, lawyer):
    interaction = factories.InteractionFactory(client=client_org, created_by=lawyer)
    matter = factories.MatterFactory(client=client_org, responsible_lawyer=lawyer)
    entry = factories.TimeEntryFactory(matter=matter, staff=lawyer)
    hold(client_org)
    sign_in(client, administrator)

    for record in (contact, interaction, entry, matter):
        opts = record._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk]
        )
        client.post(url, {"post": "yes"})
        assert type(record).objects.filter(pk=record.pk).exists(), opts.model_name


def test_admin_bulk_delete_refused_if_held(client, administrator, client_org, lawyer):
    held_matter = factories.MatterFactory(client=client_org, responsible_lawyer=lawyer)
    held_entry = factories.TimeEntryFactory(matter=held_matter, staff=lawyer)
    free_entry = factories.TimeEntryFactory(staff=lawyer)
    hold(held_matter)
    sign_in(client, administrator)

    response = client.post(
        reverse("admin:clients_timeentry_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [held_entry.pk, free_entry.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 403
    assert TimeEntry.objects.filter(pk=held_entry.pk).exists()
    assert TimeEntry.objects.filter(pk=free_entry.pk).exists()
