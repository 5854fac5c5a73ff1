"""The audit trail: viewed entries, the administrators' page, its downloads,
entries that cannot change, and client addresses behind a proxy."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts import audit, views_audit
from accounts.models import AuditEvent, AuditTrailImmutableError
from clients.models import Client, Contact, RechargeStatement

from .auth import sign_in
from .browser import serious_accessibility_violations
from .factories import (
    ClientFactory,
    ClientPlanFactory,
    ContactFactory,
    FeedbackFactory,
    KeyAccountFactory,
    MatterFactory,
    StaffFactory,
)

LONDON = ZoneInfo("Europe/London")
AUDIT_URL = reverse("accounts:audit_trail")


def export_url(file_format):
    return reverse("accounts:audit_export", kwargs={"file_format": file_format})


def at_noon(day):
    return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)


def listed(response):
    return [event for event, _changes, _url in response.context["rows"]]


@pytest.fixture
def admin_http(client, administrator):
    return sign_in(client, administrator)


# Viewed entries
# ---------------------------------------------------------------------------


def _statement(client_org):
    client_org.kind = Client.Kind.INTERNAL_DIRECTORATE
    client_org.save()
    return RechargeStatement.objects.create(
        client=client_org, month=dt.date(2026, 3, 1)
    )


def _page(record, url_name=None):
    """Return the record and the address of its staff page."""
    if url_name is None:
        return record, record.get_absolute_url()
    return record, reverse(url_name, args=[record.pk])


# Each builds a record for the client and returns (record, its page's address).
DETAIL_PAGES = {
    "client": lambda org: _page(org),
    "key account": lambda org: _page(KeyAccountFactory(client=org)),
    "plan": lambda org: _page(ClientPlanFactory(key_account__client=org)),
    "plan print": lambda org: _page(
        ClientPlanFactory(key_account__client=org), "clients:plan_print"
    ),
    "matter": lambda org: _page(MatterFactory(client=org)),
    "feedback": lambda org: _page(
        FeedbackFactory(client=org), "feedback_staff:feedback_detail"
    ),
    "recharge statement": lambda org: _page(_statement(org)),
}


@pytest.mark.parametrize("page", DETAIL_PAGES)
def test_opening_detail_page_records_one_view(
    client, practice_manager, client_org, page
):
    record, url = DETAIL_PAGES[page](client_org)
    sign_in(client, practice_manager)

    response = client.get(url, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW)
    assert event.actor == practice_manager
    assert event.target_type == ContentType.objects.get_for_model(record)
    assert event.target_id == str(record.pk)
    assert event.target_repr == str(record)
    assert event.ip_address == "192.0.2.10"


@pytest.mark.parametrize("page", DETAIL_PAGES)
def test_view_entry_is_one_insert(client, practice_manager, client_org, page):
    _record, url = DETAIL_PAGES[page](client_org)
    sign_in(client, practice_manager)
    client.get(
        url
    )  # The first request fills per-process caches, such as content types.

    with CaptureQueriesContext(connection) as queries:
        client.get(url)

    audit_queries = [q["sql"] for q in queries if "accounts_auditevent" in q["sql"]]
    assert len(audit_queries) == 1
    assert audit_queries[0].lstrip().upper().startswith("INSERT")
    assert not [q for q in queries if 'FROM "django_content_type"' in q["sql"]]


def test_forbidden_page_records_no_view(client, other_portal_user, client_org):
    sign_in(client, other_portal_user)

    response = client.get(client_org.get_absolute_url())

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


def contact_form(**overrides):
    return {
        "full_name": "Rhiannon Pryce",
        "email": "r.pryce@example.org",
        "preferred_channel": "email",
        "familiarity": "some",
        "lawful_basis": "public_task",
        "is_active": "on",
        **overrides,
    }


def test_contact_create_change_delete_audited(client, practice_manager, client_org):
    sign_in(client, practice_manager)
    client.post(reverse("clients:contact_create", args=[client_org.pk]), contact_form())
    contact = Contact.objects.get(full_name="Rhiannon Pryce")
    client.post(
        reverse("clients:contact_edit", args=[client_org.pk, contact.pk]),
        contact_form(full_name="Rhiannon Pryce-Jones"),
    )
    client.post(reverse("clients:contact_delete", args=[client_org.pk, contact.pk]))

    events = AuditEvent.objects.filter(target_id=str(contact.pk)).order_by("pk")
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[1].changes["full_name"] == ["Rhiannon Pryce", "Rhiannon Pryce-Jones"]
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_replaced_primary_contact_audited(client, practice_manager, client_org):
    old = ContactFactory(client=client_org, is_primary=True)
    sign_in(client, practice_manager)

    client.post(
        reverse("clients:contact_create", args=[client_org.pk]),
        contact_form(is_primary="on"),
    )

    event = AuditEvent.objects.get(action="update", target_id=str(old.pk))
    assert event.changes == {"is_primary": ["True", "False"]}


def admin_client_form(org, **overrides):
    """The admin's client form for ``org``, with no contact rows."""
    return {
        "name": org.name,
        "kind": org.kind,
        "status": org.status,
        "notes": "",
        "cost_centre_code": "",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        **overrides,
    }


def test_admin_inline_contact_change_audited(admin_http, client_org):
    url = reverse("admin:clients_client_change", args=[client_org.pk])

    response = admin_http.post(
        url,
        admin_client_form(
            client_org,
            status="dormant",
            **{
                "contacts-TOTAL_FORMS": "1",
                "contacts-0-full_name": "Idris Evans",
                "contacts-0-email": "idris@example.org",
                "contacts-0-preferred_channel": "email",
                "contacts-0-is_active": "on",
            },
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    change = AuditEvent.objects.get(action="update", target_id=str(client_org.pk))
    assert change.changes == {"status": ["active", "dormant"]}
    contact = client_org.contacts.get()
    added = AuditEvent.objects.get(action="create", target_id=str(contact.pk))
    assert added.changes["full_name"] == "Idris Evans"


def test_admin_deletions_audited(admin_http, client_org, other_client_org):
    admin_http.post(
        reverse("admin:clients_client_delete", args=[client_org.pk]), {"post": "yes"}
    )
    admin_http.post(
        reverse("admin:clients_client_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [other_client_org.pk],
            "post": "yes",
        },
    )

    deleted = AuditEvent.objects.filter(action="delete").values_list(
        "target_repr", flat=True
    )
    assert sorted(deleted) == sorted([client_org.name, other_client_org.name])
    assert not Client.objects.filter(pk__in=[client_org.pk, other_client_org.pk])


# Who may open the audit trail
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "lawyer",
        "practice_manager",
        "senior_legal_manager",
        "portal_user",
        "other_portal_user",
    ],
)
@pytest.mark.parametrize("url", [AUDIT_URL, export_url("csv"), export_url("xlsx")])
def test_only_administrators_reach_audit_trail(client, request, role, url):
    sign_in(client, request.getfixturevalue(role))

    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_audit_trail_needs_sign_in(client):
    response = client.get(AUDIT_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_nav_link_for_administrators_only(client, admin_http, practice_manager):
    assert AUDIT_URL in admin_http.get(reverse("home")).content.decode()

    sign_in(client, practice_manager)
    assert AUDIT_URL not in client.get(reverse("home")).content.decode()


# Searching
# ---------------------------------------------------------------------------


@pytest.fixture
def trail(lawyer, practice_manager, client_org, other_client_org):
    """Return four entries by different people, after deleting the sign-in
    entries that other fixtures wrote."""
    AuditEvent.objects.all().delete()
    matter = MatterFactory(client=client_org, title="Lease of the depot")
    return {
        "viewed": audit.record(
            action=AuditEvent.Action.VIEW, actor=lawyer, target=client_org
        ),
        "changed": audit.record(
            action=AuditEvent.Action.UPDATE,
            actor=practice_manager,
            target=matter,
            changes={"status": ["open", "on_hold"]},
        ),
        "failed": audit.record(
            action=AuditEvent.Action.SIGN_IN_FAILED, username="intruder@example.net"
        ),
        "deleted": audit.record(
            action=AuditEvent.Action.DELETE,
            actor=lawyer,
            target=other_client_org,
            changes={"name": other_client_org.name},
        ),
    }


def _date_entries(trail):
    days = {
        "viewed": dt.date(2026, 1, 5),
        "changed": dt.date(2026, 2, 10),
        "failed": dt.date(2026, 2, 11),
        "deleted": dt.date(2026, 3, 20),
    }
    for name, day in days.items():
        AuditEvent.objects.filter(pk=trail[name].pk).update(at=at_noon(day))


SEARCHES = [
    ({"person": "lena"}, ["deleted", "viewed"]),
    ({"person": "MANAGER@example.org"}, ["changed"]),
    ({"person": "intruder"}, ["failed"]),
    ({"action": "update"}, ["changed"]),
    ({"record_type": "client"}, ["deleted", "viewed"]),
    ({"record": "depot"}, ["changed"]),
    ({"record": "southbrook"}, ["deleted"]),
    ({"since": "2026-02-10", "until": "2026-02-11"}, ["failed", "changed"]),
    ({"since": "2026-03-01"}, ["deleted"]),
    ({"until": "2026-01-31"}, ["viewed"]),
    ({"person": "lena", "action": "view"}, ["viewed"]),
]


@pytest.mark.parametrize(("params", "expected"), SEARCHES)
def test_search_filters_entries(admin_http, trail, params, expected):
    _date_entries(trail)
    if params.get("record_type") == "client":
        params = {**params, "record_type": ContentType.objects.get_for_model(Client).pk}
    AuditEvent.objects.exclude(pk__in=[e.pk for e in trail.values()]).delete()

    response = admin_http.get(AUDIT_URL, params)

    assert response.status_code == 200
    assert listed(response) == [trail[name] for name in expected]


def test_dates_follow_london_time(admin_http, lawyer):
    AuditEvent.objects.all().delete()
    late = audit.record(action=AuditEvent.Action.VIEW, actor=lawyer)
    # 23:30 in London on 30 June is 22:30 UTC, still 30 June in both.
    # 00:30 in London on 1 July is 23:30 UTC on 30 June.
    early = audit.record(action=AuditEvent.Action.VIEW, actor=lawyer)
    AuditEvent.objects.filter(pk=late.pk).update(
        at=dt.datetime(2026, 6, 30, 23, 30, tzinfo=LONDON)
    )
    AuditEvent.objects.filter(pk=early.pk).update(
        at=dt.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)
    )
    viewed = {"action": "view"}

    june = admin_http.get(
        AUDIT_URL, {**viewed, "since": "2026-06-30", "until": "2026-06-30"}
    )
    july = admin_http.get(
        AUDIT_URL, {**viewed, "since": "2026-07-01", "until": "2026-07-01"}
    )

    assert listed(june) == [late]
    assert listed(july) == [early]


def test_search_by_record_id(admin_http, trail, client_org):
    response = admin_http.get(AUDIT_URL, {"record_id": str(client_org.pk)})

    assert trail["viewed"] in listed(response)
    assert trail["deleted"] not in listed(response)


def test_entries_listed_newest_first(admin_http, trail):
    _date_entries(trail)
    AuditEvent.objects.exclude(pk__in=[e.pk for e in trail.values()]).delete()

    response = admin_http.get(AUDIT_URL)

    names = ["deleted", "failed", "changed", "viewed"]
    assert listed(response) == [trail[name] for name in names]


def test_reversed_dates_explained(admin_http, trail):
    response = admin_http.get(AUDIT_URL, {"since": "2026-03-01", "until": "2026-02-01"})

    assert response.status_code == 200
    assert "on or after the “From” date" in response.content.decode()
    # The page keeps the dates as typed.
    assert 'value="2026-02-01"' in response.content.decode()


def test_mistyped_date_explained(admin_http, trail):
    response = admin_http.get(AUDIT_URL, {"since": "31/31/2026"})

    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert len(listed(response)) >= len(trail)


def test_changes_shown_readably(admin_http, trail):
    response = admin_http.get(AUDIT_URL, {"action": "update"})

    page = response.content.decode()
    assert "<del>open</del>" in page
    assert "<ins>on_hold</ins>" in page
    assert trail["changed"].target_repr in page


def test_record_names_escaped(admin_http, client_org):
    client_org.name = "<script>alert(1)</script>"
    audit.record(action=AuditEvent.Action.VIEW, target=client_org)

    page = admin_http.get(AUDIT_URL, {"action": "view"}).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_empty_states_explained(admin_http):
    AuditEvent.objects.all().delete()
    assert "The audit trail is empty" in admin_http.get(AUDIT_URL).content.decode()

    response = admin_http.get(AUDIT_URL, {"person": "nobody at all"})
    assert "No entries match this search" in response.content.decode()


# Paging and query counts
# ---------------------------------------------------------------------------


def build_entries(size):
    """Add ``size`` entries spread over several people and record types."""
    people = StaffFactory.create_batch(3)
    orgs = ClientFactory.create_batch(3)
    types = [ContentType.objects.get_for_model(model) for model in (Client, Contact)]
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action=AuditEvent.Action.UPDATE,
                actor=people[n % 3],
                target_type=types[n % 2],
                target_id=str(orgs[n % 3].pk),
                target_repr=f"Record {n}",
                changes={"status": ["active", "dormant"], "notes": f"Note {n}"},
                ip_address="192.0.2.1",
            )
            for n in range(size)
        ]
    )


def test_pages_of_fifty_and_nearest_page(admin_http):
    AuditEvent.objects.all().delete()
    build_entries(120)

    first = admin_http.get(AUDIT_URL)
    beyond = admin_http.get(AUDIT_URL, {"page": "99"})
    mistyped = admin_http.get(AUDIT_URL, {"page": "two"})

    assert len(listed(first)) == 50
    assert first.context["paginator"].num_pages == 3
    assert beyond.status_code == 200
    assert beyond.context["page_obj"].number == 3
    assert len(listed(beyond)) == 20
    assert mistyped.context["page_obj"].number == 1


def count_queries(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [AUDIT_URL, export_url("csv"), export_url("xlsx")])
def test_query_count_flat_with_entries(admin_http, url):
    build_entries(5)
    few = count_queries(admin_http, url)
    build_entries(45)
    many = count_queries(admin_http, url)

    assert few == many


# Downloads
# ---------------------------------------------------------------------------


def test_csv_export_has_filtered_entries(admin_http, trail, administrator):
    response = admin_http.get(export_url("csv"), {"person": "lena"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "When",
        "Person",
        "Email",
        "Action",
        "Record type",
        "Record id",
        "Record",
        "Changes",
        "IP address",
    ]
    assert [row[3] for row in rows[1:]] == ["Deleted", "Viewed"]
    assert rows[1][1:3] == ["Lena Lawyer", "lawyer@example.org"]
    assert rows[1][7] == "Name: Southbrook Parish Council"
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert export.actor == administrator
    assert export.changes["rows"] == 2
    assert "person=lena" in export.changes["list"]


def test_csv_export_neutralises_formulas(admin_http, client_org):
    client_org.name = '=HYPERLINK("http://example.net")'
    audit.record(action=AuditEvent.Action.VIEW, target=client_org)

    response = admin_http.get(export_url("csv"), {"action": "view"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][6] == "'" + client_org.name


def test_xlsx_export_has_filtered_entries(admin_http, trail):
    response = admin_http.get(export_url("xlsx"), {"action": "update"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][3] == "Changed"
    assert rows[1][7] == "Status: open → on_hold"
    assert isinstance(rows[1][0], dt.datetime)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


def test_oversized_export_asks_to_narrow(admin_http, trail, monkeypatch):
    monkeypatch.setattr(views_audit, "MAX_EXPORT_ROWS", 1)

    response = admin_http.get(export_url("csv"), {"person": "lena"}, follow=True)

    assert response.redirect_chain == [(f"{AUDIT_URL}?person=lena", 302)]
    assert "2 entries match, too many to download" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_download_links_keep_search(admin_http, trail):
    page = admin_http.get(AUDIT_URL, {"person": "lena", "page": "1"}).content.decode()

    assert f'href="{export_url("csv")}?person=lena"' in page


# Entries cannot change
# ---------------------------------------------------------------------------


def test_saving_existing_entry_raises(lawyer):
    event = audit.record(action=AuditEvent.Action.SIGN_IN, actor=lawyer)
    event.action = AuditEvent.Action.SIGN_OUT

    with pytest.raises(AuditTrailImmutableError, match="cannot be changed"):
        event.save()

    event.refresh_from_db()
    assert event.action == AuditEvent.Action.SIGN_IN


def test_loaded_entry_cannot_be_saved(lawyer):
    audit.record(action=AuditEvent.Action.SIGN_IN, actor=lawyer)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN, actor=lawyer)

    with pytest.raises(AuditTrailImmutableError):
        event.save(update_fields=["action"])


def test_deleting_entry_raises(lawyer):
    event = audit.record(action=AuditEvent.Action.SIGN_IN, actor=lawyer)

    with pytest.raises(AuditTrailImmutableError, match="cannot be deleted"):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_still_redacts(client_org):
    event = audit.record(action=AuditEvent.Action.VIEW, target=client_org)

    AuditEvent.objects.filter(pk=event.pk).update(target_repr="Erased contact")

    event.refresh_from_db()
    assert event.target_repr == "Erased contact"


@pytest.mark.parametrize("is_superuser", [False, True])
def test_admin_rejects_add_change_delete(administrator, is_superuser):
    administrator.is_superuser = is_superuser
    event = audit.record(action=AuditEvent.Action.SIGN_IN, actor=administrator)
    request = RequestFactory().get("/admin/")
    request.user = administrator
    model_admin = admin.site._registry[AuditEvent]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.has_delete_permission(request)


def test_admin_change_post_leaves_entry(admin_http, administrator):
    event = audit.record(action=AuditEvent.Action.SIGN_IN, actor=administrator)
    url = reverse("admin:accounts_auditevent_change", args=[event.pk])

    response = admin_http.post(url, {"action": "sign_out", "_save": "Save"})
    bulk = admin_http.post(
        reverse("admin:accounts_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == AuditEvent.Action.SIGN_IN


# The client address behind a proxy
# ---------------------------------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


ADDRESS_CASES = [
    # No proxy is trusted by default: the header is ignored.
    ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # A spoofed header from an address that is not a trusted proxy.
    (["127.0.0.1"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # nginx on the same machine appends the client's address.
    (["127.0.0.1"], "127.0.0.1", "203.0.113.9", "203.0.113.9"),
    # The client sent its own header, so only the right-most entry is nginx's.
    (["127.0.0.1"], "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
    # Two trusted proxies in a row, one of them named by its network.
    (["127.0.0.1", "10.0.0.0/24"], "127.0.0.1", "203.0.113.9, 10.0.0.7", "203.0.113.9"),
    # A trusted proxy that sent no header: its own address is recorded.
    (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
    # Text that is not an address stops the walk at the last trusted hop.
    (["127.0.0.1"], "127.0.0.1", "203.0.113.9, not-an-address", "127.0.0.1"),
    (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
]


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "expected"), ADDRESS_CASES)
def test_client_ip_trusts_listed_proxies_only(
    settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted

    assert audit.client_ip(request_from(remote, forwarded)) == expected


def test_client_ip_without_request_is_none():
    assert audit.client_ip(None) is None


def test_misconfigured_trusted_proxies_named(settings):
    settings.TRUSTED_PROXIES = ["nginx.local"]

    with pytest.raises(ImproperlyConfigured, match="nginx.local"):
        audit.client_ip(request_from("127.0.0.1", "203.0.113.9"))


def _fail_sign_in(client, *, remote, forwarded):
    return client.post(
        reverse("accounts:login"),
        {"username": "lawyer@example.org", "password": "wrong-password"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_proxied_failed_sign_in_records_client(client, settings, lawyer):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    _fail_sign_in(client, remote="127.0.0.1", forwarded="6.6.6.6, 203.0.113.9")

    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.ip_address == "203.0.113.9"
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_untrusted_spoofed_header_ignored(client, settings, lawyer):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    _fail_sign_in(client, remote="198.51.100.7", forwarded="203.0.113.9")

    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.ip_address == "198.51.100.7"
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


# In the browser
# ---------------------------------------------------------------------------


def _sign_browser_in(page, live_server, user):
    """Give the browser the session of a test client signed in as ``user``.

    This passes the two-factor step the way ``sign_in`` does, without typing
    a code into the browser.
    """
    http = sign_in(HttpClient(), user)
    session_id = http.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_id,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_audit_trail_page_in_browser(page, live_server, administrator, lawyer):
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=lawyer,
        target=ClientFactory(name="Eastgate Academy"),
        changes={"status": ["active", "dormant"]},
    )
    _sign_browser_in(page, live_server, administrator)

    page.goto(reverse("home"))
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Person").fill("lena")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**person=lena**")
    assert page.get_by_role("link", name="Eastgate Academy").is_visible()
    assert page.locator("tbody tr").count() == 1
    assert serious_accessibility_violations(page) == []

    csv_link = page.get_by_role("link", name="CSV")
    assert csv_link.get_attribute("href").endswith("export.csv?person=lena")
    # No request may still hold a database connection when the test ends.
    page.wait_for_load_state("networkidle")
