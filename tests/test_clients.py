import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Client, Contact, Interaction

from .factories import ClientFactory, ContactFactory, InteractionFactory, StaffFactory


@pytest.fixture
def signed_in(client, lawyer):
    client.force_login(lawyer)
    return client


def list_names(response):
    return [client.name for client in response.context["object_list"]]


# The client list


def test_client_list_searches_contact_names(signed_in, client_org, other_client_org):
    ContactFactory(client=other_client_org, full_name="Siân O'Brien")

    response = signed_in.get(reverse("clients:list"), {"q": "o'brien"})

    assert list_names(response) == [other_client_org.name]


def test_client_with_two_matching_contacts_listed_once(signed_in, client_org):
    ContactFactory.create_batch(2, client=client_org, full_name="Jones")

    response = signed_in.get(reverse("clients:list"), {"q": "jones"})

    assert list_names(response) == [client_org.name]


def test_client_list_filters_by_kind_status_owner(signed_in, lawyer):
    wanted = ClientFactory(
        name="Wanted", kind=Client.Kind.PARISH_COUNCIL, relationship_owner=lawyer
    )
    ClientFactory(name="Wrong kind", kind=Client.Kind.SCHOOL, relationship_owner=lawyer)
    ClientFactory(
        name="Wrong status",
        kind=Client.Kind.PARISH_COUNCIL,
        status=Client.Status.FORMER,
        relationship_owner=lawyer,
    )
    ClientFactory(name="Wrong owner", kind=Client.Kind.PARISH_COUNCIL)

    response = signed_in.get(
        reverse("clients:list"),
        {"kind": "parish_council", "status": "active", "owner": lawyer.pk},
    )

    assert list_names(response) == [wanted.name]


def test_client_list_sorts_by_last_contact(signed_in, lawyer):
    now = timezone.now()
    for name, days_ago in [("Recent", 1), ("Old", 300), ("Middle", 30)]:
        InteractionFactory(
            client=ClientFactory(name=name),
            staff=lawyer,
            occurred_at=now - dt.timedelta(days=days_ago),
        )

    response = signed_in.get(reverse("clients:list"), {"sort": "-last_contact"})

    assert list_names(response) == ["Recent", "Middle", "Old"]


def test_client_list_paginates(signed_in):
    Client.objects.bulk_create(
        [Client(name=f"Client {n:02}", kind=Client.Kind.SCHOOL) for n in range(30)]
    )

    first = signed_in.get(reverse("clients:list"))
    second = signed_in.get(reverse("clients:list"), {"page": 2})

    assert len(first.context["object_list"]) == 25
    assert list_names(second) == [f"Client {n:02}" for n in range(25, 30)]


def test_client_list_bad_filter_value_still_renders(signed_in, client_org):
    response = signed_in.get(
        reverse("clients:list"), {"kind": "nonsense", "owner": "x", "page": "999"}
    )

    assert response.status_code == 200


def test_empty_client_list_invites_first_client(signed_in):
    response = signed_in.get(reverse("clients:list"))

    assert "There are no clients yet" in response.content.decode()


# The client page


def test_client_page_shows_contacts_and_timeline(signed_in, client_org, lawyer):
    ContactFactory(client=client_org, full_name="Gwen Davies")
    InteractionFactory(client=client_org, staff=lawyer, summary="Talked about leases")

    response = signed_in.get(client_org.get_absolute_url())

    body = response.content.decode()
    assert "Gwen Davies" in body
    assert "Talked about leases" in body


def test_free_text_is_escaped(signed_in, client_org, lawyer):
    InteractionFactory(
        client=client_org, staff=lawyer, summary="<script>alert('x')</script>"
    )
    client_org.notes = "<b>bold</b>"
    client_org.save()

    body = signed_in.get(client_org.get_absolute_url()).content.decode()

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "<b>bold</b>" not in body


# Logging a contact


def quick_log_data(**overrides):
    data = {
        "log-channel": "phone",
        "log-kind": "service_query",
        "log-occurred_at": "2026-11-30T10:15",
        "log-summary": "Asked about a tenancy",
        "log-outcome": "",
        "log-follow_up_action": "Send the draft lease",
        "log-follow_up_due": "2026-12-07",
    }
    data.update(overrides)
    return data


def test_quick_log_records_interaction(signed_in, client_org, lawyer):
    contact = ContactFactory(client=client_org)
    url = reverse("clients:quick_log", args=[client_org.pk])

    response = signed_in.post(url, quick_log_data(**{"log-contacts": [contact.pk]}))

    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.staff == lawyer
    assert list(interaction.contacts.all()) == [contact]
    assert interaction.follow_up_due == dt.date(2026, 12, 7)
    assert AuditEvent.objects.filter(action="create", target_id=interaction.pk).exists()


def test_quick_log_bad_input_keeps_what_was_typed(signed_in, client_org):
    url = reverse("clients:quick_log", args=[client_org.pk])

    response = signed_in.post(url, quick_log_data(**{"log-summary": ""}))

    assert response.status_code == 400
    form = response.context["quick_log_form"]
    assert "summary" in form.errors
    body = response.content.decode()
    assert 'id="error_1_id_log-summary"' in body or "is-invalid" in body
    assert 'value="Send the draft lease"' in body
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"log-follow_up_action": ""}, "follow_up_action"),
        ({"log-follow_up_due": ""}, "follow_up_due"),
        ({"log-follow_up_due": "31/02/2026"}, "follow_up_due"),
        ({"log-occurred_at": "2099-01-01T10:00"}, "occurred_at"),
        ({"log-occurred_at": "yesterday"}, "occurred_at"),
        ({"log-channel": "pigeon"}, "channel"),
    ],
)
def test_quick_log_rejects_bad_field(signed_in, client_org, overrides, field):
    url = reverse("clients:quick_log", args=[client_org.pk])

    response = signed_in.post(url, quick_log_data(**overrides))

    assert response.status_code == 400
    assert list(response.context["quick_log_form"].errors) == [field]
    assert "Asked about a tenancy" in response.content.decode()


def test_quick_log_rejects_contact_of_other_client(signed_in, client_org):
    stranger = ContactFactory()
    url = reverse("clients:quick_log", args=[client_org.pk])

    response = signed_in.post(url, quick_log_data(**{"log-contacts": [stranger.pk]}))

    assert response.status_code == 400
    assert "contacts" in response.context["quick_log_form"].errors


def test_full_form_logs_for_colleague(signed_in, client_org, practice_manager):
    url = reverse("clients:interaction_create", args=[client_org.pk])
    data = {
        "occurred_at": "2026-11-30T09:00",
        "channel": "meeting",
        "kind": "needs_assessment",
        "staff": practice_manager.pk,
        "summary": "Annual needs assessment",
    }

    response = signed_in.post(url, data)

    assert response.status_code == 302
    assert Interaction.objects.get().staff == practice_manager


def test_interaction_edit_marks_follow_up_done(signed_in, client_org, lawyer):
    interaction = InteractionFactory(
        client=client_org,
        staff=lawyer,
        follow_up_action="Call back",
        follow_up_due=dt.date(2026, 12, 1),
    )
    url = reverse("clients:interaction_edit", args=[client_org.pk, interaction.pk])
    data = {
        "occurred_at": "2026-11-30T09:00",
        "channel": "phone",
        "kind": "general",
        "staff": lawyer.pk,
        "summary": "Edited",
        "follow_up_action": "Call back",
        "follow_up_due": "2026-12-01",
        "follow_up_done": "on",
    }

    response = signed_in.post(url, data)

    assert response.status_code == 302
    interaction.refresh_from_db()
    assert interaction.follow_up_done
    assert interaction.follow_up_done_at is not None
    event = AuditEvent.objects.get(action="update", target_id=interaction.pk)
    assert event.changes["summary"][1] == "Edited"


# Clients and contacts


def client_data(**overrides):
    data = {
        "name": "Eastgate Academy",
        "kind": "school",
        "status": "active",
        "parent": "",
        "relationship_owner": "",
        "cost_centre_code": "",
        "tag_names": "academy trust,  SEND , academy trust",
        "notes": "Joined the trust in 2024.",
    }
    data.update(overrides)
    return data


def test_client_create_saves_tags_and_audits(signed_in):
    response = signed_in.post(reverse("clients:create"), client_data())

    client = Client.objects.get(name="Eastgate Academy")
    assert response.url == client.get_absolute_url()
    assert sorted(tag.name for tag in client.tags.all()) == ["SEND", "academy trust"]
    assert AuditEvent.objects.filter(action="create", target_id=client.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "castle"}, "kind"),
        ({"cost_centre_code": "CC100"}, "cost_centre_code"),
        ({"tag_names": "x" * 51}, "tag_names"),
        ({"relationship_owner": "999999"}, "relationship_owner"),
    ],
)
def test_client_form_bad_input_keeps_rest(signed_in, overrides, field):
    response = signed_in.post(reverse("clients:create"), client_data(**overrides))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "Joined the trust in 2024." in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_client_name_must_be_unique(signed_in, client_org):
    response = signed_in.post(
        reverse("clients:create"), client_data(name=client_org.name)
    )

    assert "name" in response.context["form"].errors


def test_client_parent_cycle_rejected(signed_in):
    directorate = ClientFactory(name="Place", kind=Client.Kind.INTERNAL_DIRECTORATE)
    service = ClientFactory(
        name="Highways", kind=Client.Kind.INTERNAL_SERVICE, parent=directorate
    )
    url = reverse("clients:edit", args=[directorate.pk])

    response = signed_in.post(
        url, client_data(name="Place", kind="internal_directorate", parent=service.pk)
    )

    assert "parent" in response.context["form"].errors


def test_client_edit_audits_changes(signed_in, client_org):
    url = reverse("clients:edit", args=[client_org.pk])

    signed_in.post(url, client_data(name=client_org.name, status="dormant"))

    event = AuditEvent.objects.get(action="update")
    assert event.changes["status"] == ["active", "dormant"]


def test_client_edit_keeps_former_staff_owner(signed_in, client_org):
    """Saving the client of someone who has left keeps them as its owner."""
    former = StaffFactory(full_name="Gone Lawyer", is_active=False)
    client_org.relationship_owner = former
    client_org.save()
    url = reverse("clients:edit", args=[client_org.pk])

    page = signed_in.get(url).content.decode()
    signed_in.post(url, client_data(name=client_org.name, relationship_owner=former.pk))

    assert f'<option value="{former.pk}" selected>Gone Lawyer (left)</option>' in page
    client_org.refresh_from_db()
    assert client_org.relationship_owner == former


def contact_data(**overrides):
    data = {
        "full_name": "Rhys ap Gwilym",
        "job_title": "Clerk",
        "email": "rhys@example.org",
        "phone": "01632 960123",
        "preferred_channel": "email",
        "familiarity": "unfamiliar",
        "lawful_basis": "public_task",
        "is_primary": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_new_primary_contact_replaces_old(signed_in, client_org):
    old = ContactFactory(client=client_org, is_primary=True)
    url = reverse("clients:contact_create", args=[client_org.pk])

    response = signed_in.post(url, contact_data())

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_primary
    assert client_org.contacts.get(is_primary=True).full_name == "Rhys ap Gwilym"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"familiarity": "expert"}, "familiarity"),
    ],
)
def test_contact_form_bad_input_keeps_rest(signed_in, client_org, overrides, field):
    url = reverse("clients:contact_create", args=[client_org.pk])

    response = signed_in.post(url, contact_data(**overrides))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert 'value="Clerk"' in response.content.decode()
    assert not Contact.objects.exists()


def test_manager_deletes_contact_after_confirmation(
    client, practice_manager, client_org
):
    contact = ContactFactory(client=client_org)
    client.force_login(practice_manager)
    url = reverse("clients:contact_delete", args=[client_org.pk, contact.pk])

    confirmation = client.get(url)
    client.post(url)

    assert "cannot be undone" in confirmation.content.decode()
    assert not Contact.objects.exists()
    assert AuditEvent.objects.filter(action="delete").exists()


def test_client_with_children_cannot_be_deleted(client, practice_manager):
    parent = ClientFactory(kind=Client.Kind.INTERNAL_DIRECTORATE)
    ClientFactory(kind=Client.Kind.INTERNAL_SERVICE, parent=parent)
    client.force_login(practice_manager)

    response = client.post(reverse("clients:delete", args=[parent.pk]), follow=True)

    assert Client.objects.filter(pk=parent.pk).exists()
    assert "cannot be deleted" in response.content.decode()


# Follow-ups


def test_follow_up_done_with_htmx_returns_fragment(signed_in, client_org, lawyer):
    interaction = InteractionFactory(
        client=client_org,
        staff=lawyer,
        follow_up_action="Call back",
        follow_up_due=timezone.localdate(),
    )
    url = reverse("clients:follow_up_done", args=[interaction.pk])

    response = signed_in.post(url, HTTP_HX_REQUEST="true")

    interaction.refresh_from_db()
    assert interaction.follow_up_done
    assert "Done: Call back" in response.content.decode()


def test_follow_up_done_ignores_offsite_next(signed_in, client_org, lawyer):
    interaction = InteractionFactory(
        client=client_org,
        staff=lawyer,
        follow_up_action="Call back",
        follow_up_due=timezone.localdate(),
    )
    url = reverse("clients:follow_up_done", args=[interaction.pk])

    response = signed_in.post(url, {"next": "https://attacker.example.com/"})

    assert response.url == client_org.get_absolute_url()


def test_follow_up_done_needs_post(signed_in, client_org, lawyer):
    interaction = InteractionFactory(client=client_org, staff=lawyer)

    response = signed_in.get(reverse("clients:follow_up_done", args=[interaction.pk]))

    assert response.status_code == 405


# The home page


def test_home_groups_my_follow_ups(signed_in, client_org, lawyer):
    today = timezone.localdate()
    for action, days in [("Late", -3), ("Today", 0), ("Soon", 2), ("Later", 20)]:
        InteractionFactory(
            client=client_org,
            staff=lawyer,
            follow_up_action=action,
            follow_up_due=today + dt.timedelta(days=days),
        )
    InteractionFactory(
        client=client_org,
        staff=StaffFactory(),
        follow_up_action="Someone else's",
        follow_up_due=today,
    )

    response = signed_in.get(reverse("home"))

    actions = {
        group: [item.follow_up_action for item in response.context[group]]
        for group in ("overdue", "due_today", "coming_up")
    }
    assert actions == {
        "overdue": ["Late"],
        "due_today": ["Today"],
        "coming_up": ["Soon"],
    }


def test_home_shows_team_interactions_only(signed_in, client_org, lawyer, team):
    colleague = StaffFactory(profile__team=team)
    outsider = StaffFactory(profile__team__name="Planning")
    InteractionFactory(client=client_org, staff=colleague, summary="Colleague's call")
    InteractionFactory(client=client_org, staff=outsider, summary="Outsider's call")

    response = signed_in.get(reverse("home"))

    summaries = [item.summary for item in response.context["team_interactions"]]
    assert summaries == ["Colleague's call"]


def test_client_page_lists_open_matters_first(signed_in, client_org, lawyer):
    from clients.models import Matter

    from .factories import MatterFactory

    MatterFactory(
        client=client_org,
        responsible_lawyer=lawyer,
        title="Closed lease",
        status=Matter.Status.CLOSED,
        opened_on=dt.date(2026, 5, 1),
        closed_on=dt.date(2026, 6, 1),
    )
    MatterFactory(client=client_org, responsible_lawyer=lawyer, title="Open lease")
    MatterFactory(title="Another client's matter")

    response = signed_in.get(client_org.get_absolute_url())

    titles = [matter.title for matter, state in response.context["matter_rows"]]
    assert titles == ["Open lease", "Closed lease"]
    assert response.context["matter_count"] == 2
