"""Each staff page makes the same number of queries with 5 rows or 50 behind it.

The data is built in bulk, so that a query per row (an N+1) would show as a
difference between the two sizes.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Contact, Interaction, Tag

from .factories import StaffFactory

# A ceiling for any one page, so that a page cannot drift into dozens of
# constant but needless queries.
MAX_QUERIES_PER_PAGE = 20


def build_clients(size, *, owner, staff):
    """Create ``size`` clients, each with contacts, tags and logged contacts."""
    tags = Tag.objects.bulk_create([Tag(name=f"Tag {n}") for n in range(3)])
    clients = Client.objects.bulk_create(
        [
            Client(
                name=f"Client {n:03}", kind=Client.Kind.SCHOOL, relationship_owner=owner
            )
            for n in range(size)
        ]
    )
    Client.tags.through.objects.bulk_create(
        [
            Client.tags.through(client_id=client.pk, tag_id=tag.pk)
            for client in clients
            for tag in tags
        ]
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(client=client, full_name=f"Person {n}", email=f"p{n}@example.org")
            for client in clients
            for n in range(2)
        ]
    )
    today = timezone.localdate()
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(
                client=client,
                staff=person,
                occurred_at=timezone.now() - dt.timedelta(days=n),
                channel=Interaction.Channel.PHONE,
                summary=f"Call {n}",
                follow_up_action="Call back",
                follow_up_due=today + dt.timedelta(days=n % 5 - 2),
            )
            for n, client in enumerate(clients)
            for person in staff
        ]
    )
    contacts_by_client = {}
    for contact in contacts:
        contacts_by_client.setdefault(contact.client_id, []).append(contact)
    Interaction.contacts.through.objects.bulk_create(
        [
            Interaction.contacts.through(interaction_id=item.pk, contact_id=contact.pk)
            for item in interactions
            for contact in contacts_by_client[item.client_id]
        ]
    )
    return clients


def count_queries(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def measure(client, lawyer, team):
    """Return the query count of a page with ``size`` clients behind it."""
    colleague = StaffFactory(profile__team=team)
    client.force_login(lawyer)

    def run(size, url_for):
        Client.objects.all().delete()
        Tag.objects.all().delete()
        clients = build_clients(size, owner=lawyer, staff=[lawyer, colleague])
        url = url_for(clients)
        count_queries(client, url)  # warm the session and content-type caches
        return count_queries(client, url)

    return run


PAGES = {
    "client list": lambda clients: reverse("clients:list"),
    "client list searched and sorted": lambda clients: (
        reverse("clients:list") + "?q=person&sort=-last_contact&kind=school"
    ),
    "client page": lambda clients: clients[0].get_absolute_url(),
    "home": lambda clients: reverse("home"),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_flat_from_5_to_50_rows(measure, page):
    small = measure(5, PAGES[page])
    large = measure(50, PAGES[page])

    assert small == large
    assert large <= MAX_QUERIES_PER_PAGE


def test_client_page_query_count_flat_with_long_timeline(measure):
    # Many logged contacts on one client: the timeline is paged and prefetched.
    def first_client(clients):
        Interaction.objects.bulk_create(
            [
                Interaction(
                    client=clients[0],
                    staff_id=clients[0].relationship_owner_id,
                    channel=Interaction.Channel.EMAIL,
                    summary=f"Email {n}",
                )
                for n in range(60)
            ]
        )
        return clients[0].get_absolute_url()

    small = measure(5, lambda clients: clients[0].get_absolute_url())
    large = measure(5, first_client)

    assert small == large
