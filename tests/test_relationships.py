"""Relationship strength: recency and frequency of contact, decaying with time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from clients.models import Interaction
from clients.models.key_accounts import relationship_strength
from clients.selectors_key_accounts import (
    relationships_for_client,
    strong_relationships_of,
)

from .factories import ContactFactory, StaffFactory

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 6, 15)


def at(day):
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=LONDON)


def days_ago(days):
    return at(TODAY - dt.timedelta(days=days))


@pytest.mark.parametrize(
    ("moments", "expected"),
    [
        ([], 0.0),
        ([days_ago(0)], 1.0),
        ([days_ago(90)], 0.5),
        ([days_ago(180)], 0.25),
        ([days_ago(0), days_ago(90)], 1.5),
        ([at(TODAY + dt.timedelta(days=3))], 1.0),
    ],
)
def test_strength_decays_by_half_life(moments, expected):
    assert relationship_strength(moments, today=TODAY, half_life_days=90) == expected


def test_recent_contact_beats_older_contact():
    recent = relationship_strength([days_ago(10)], today=TODAY, half_life_days=90)
    older = relationship_strength([days_ago(100)], today=TODAY, half_life_days=90)

    assert recent > older


def test_frequent_contact_beats_single_contact():
    frequent = relationship_strength(
        [days_ago(30), days_ago(60), days_ago(90)], today=TODAY, half_life_days=90
    )
    single = relationship_strength([days_ago(10)], today=TODAY, half_life_days=90)

    assert frequent > single


def test_same_contacts_weaken_later():
    moments = [days_ago(10), days_ago(20)]
    now = relationship_strength(moments, today=TODAY, half_life_days=90)
    later = relationship_strength(
        moments, today=TODAY + dt.timedelta(days=60), half_life_days=90
    )

    assert later < now


def log(client, staff, contact, moments):
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(
                client=client,
                staff=staff,
                occurred_at=moment,
                channel=Interaction.Channel.PHONE,
                summary="Call",
            )
            for moment in moments
        ]
    )
    Interaction.contacts.through.objects.bulk_create(
        [
            Interaction.contacts.through(interaction_id=item.pk, contact_id=contact.pk)
            for item in interactions
        ]
    )


@pytest.fixture
def known_client(client_org, lawyer):
    other = StaffFactory(full_name="Omar Other")
    head = ContactFactory(client=client_org, full_name="Hana Head")
    bursar = ContactFactory(client=client_org, full_name="Ben Bursar")
    log(client_org, lawyer, head, [days_ago(5), days_ago(40), days_ago(70)])
    log(client_org, other, head, [days_ago(150)])
    log(client_org, other, bursar, [days_ago(20)])
    return client_org


def test_client_relationships_strongest_first(known_client):
    relationships = relationships_for_client(known_client, today=TODAY)
    pairs = [(r.staff.full_name, r.contact.full_name) for r in relationships]

    assert pairs == [
        ("Lena Lawyer", "Hana Head"),
        ("Omar Other", "Ben Bursar"),
        ("Omar Other", "Hana Head"),
    ]


def test_strong_relationships_meet_threshold(known_client, lawyer, settings):
    settings.RELATIONSHIP_STRONG_MIN = 1.5

    strong = strong_relationships_of(lawyer, today=TODAY)

    assert [r.contact.full_name for r in strong] == ["Hana Head"]


def test_weak_relationships_left_out(known_client, lawyer, settings):
    settings.RELATIONSHIP_STRONG_MIN = 5.0

    assert strong_relationships_of(lawyer, today=TODAY) == []


def test_who_knows_whom_page_lists(known_client, lawyer, client):
    client.force_login(lawyer)

    response = client.get(reverse("clients:relationships", args=[known_client.pk]))

    assert "Hana Head" in response.content.decode()
