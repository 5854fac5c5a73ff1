"""The Django admin: who reaches it, that every page opens, and the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, two_factor
from accounts.models import AuditEvent, PortalMembership, User
from accounts.roles import Role
from clients.models import Client as ClientOrganisation
from clients.models import (
    ClientPromiseOverride,
    DigestDelivery,
    ImportIssue,
    ImportJob,
    RechargeLine,
    RechargeStatement,
    Tag,
)
from kpis.models import Benchmark, KpiRecord, ServiceCost

from .auth import sign_in
from .factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    HourlyRateFactory,
    InteractionFactory,
    KpiDefinitionFactory,
    KpiRecordFactory,
    MatterFactory,
    PortalMembershipFactory,
    ServicePromiseFactory,
    StaffFactory,
    TeamFactory,
    TimeEntryFactory,
    seed_key_account_records,
    seed_portal_records,
    seed_survey_records,
)

# An N+1 shows as a query count that grows with the rows. A page whose count
# stays flat must also stay under this ceiling.
MAX_QUERIES_PER_PAGE = 15


@pytest.fixture
def admin_client(client, administrator):
    sign_in(client, administrator)
    return client


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def seed_records(count, *, actor):
    """Add ``count`` rows to every table the admin lists, with their relations."""
    start = ClientOrganisation.objects.count()
    tags = [Tag.objects.create(name=f"Tag {start + i}") for i in range(count)]
    for i in range(count):
        team = TeamFactory(name=f"Team {start + i}")
        staff = StaffFactory(profile__team=team)
        owner_client = ClientFactory(relationship_owner=staff, parent=None)
        child = ClientFactory(parent=owner_client, relationship_owner=staff)
        child.tags.add(*tags)
        contact = ContactFactory(client=child)
        interaction = InteractionFactory(client=child, staff=staff, created_by=actor)
        interaction.contacts.add(contact)
        membership = PortalMembershipFactory(client=child, created_by=actor)
        DigestDelivery.objects.create(
            recipient=staff,
            kind=DigestDelivery.Kind.FOLLOW_UPS,
            day=dt.date(2026, 1, 1) + dt.timedelta(days=start + i),
            item_count=3,
            sent_at=timezone.now(),
        )
        seed_matter_records(start + i, staff=staff, client=child, contact=contact)
        seed_survey_records(staff=staff, client=child, contact=contact)
        seed_key_account_records(staff=staff, client=child, interaction=interaction)
        seed_kpi_records(start + i, team=team, actor=actor)
        seed_portal_records(
            staff=staff, client=child, contact=contact, portal_user=membership.user
        )
        audit.record(
            action=AuditEvent.Action.UPDATE, actor=actor, target=membership.user
        )
        address = f"127.0.1.{(start + i) % 250}"
        access = {
            "username": staff.email,
            "ip_address": address,
            "user_agent": "pytest",
            "http_accept": "text/html",
            "path_info": "/accounts/sign-in/",
        }
        AccessAttempt.objects.create(
            **access, get_data="", post_data="", failures_since_start=1
        )
        AccessLog.objects.create(**access)
        AccessFailureLog.objects.create(**access)
        # Two-factor devices, which django-otp adds to the admin.
        TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
        two_factor.replace_backup_codes(staff)


def seed_matter_records(n, *, staff, client, contact):
    """Add a matter with time, a rate, an override, a statement and an import."""
    matter = MatterFactory(
        client=client, responsible_lawyer=staff, client_contact=contact
    )
    ClientPromiseOverride.objects.create(
        client=client, matter_type=matter.matter_type, promise=ServicePromiseFactory()
    )
    HourlyRateFactory(staff=staff)
    entry = TimeEntryFactory(matter=matter, staff=staff)
    statement = RechargeStatement.objects.create(
        client=client, month=dt.date(2020 + n // 12, n % 12 + 1, 1)
    )
    RechargeLine.objects.create(
        statement=statement,
        time_entry=entry,
        matter=matter,
        staff=staff,
        worked_on=entry.worked_on,
        minutes=entry.minutes,
        hourly_rate=entry.hourly_rate,
        amount=entry.amount,
    )
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.MATTERS, file_name=f"matters-{n}.csv", content=b""
    )
    ImportIssue.objects.create(job=job, row_number=2, message="Enter a reference.")


def seed_kpi_records(n, *, team, actor):
    """Add a KPI with a computed record, a benchmark and a team's cost."""
    month = dt.date(2020 + n // 12, n % 12 + 1, 1)
    definition = KpiDefinitionFactory(source="utilisation", owner=actor)
    KpiRecordFactory(
        definition=definition,
        period_start=month,
        scope_kind="team",
        scope_id=team.pk,
        scope_label=team.name,
        value=Decimal("81.5"),
    )
    Benchmark.objects.create(
        definition=definition,
        period_kind="month",
        period_start=month,
        peer=f"Peer service {n}",
        value=Decimal("78.0"),
        entered_by=actor,
    )
    ServiceCost.objects.create(
        month=month, team=team, amount=Decimal("5200.00"), entered_by=actor
    )


def registered_admin_pages(request):
    """List (name, URL, expected status) for each changelist and add page."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}.{model._meta.model_name}"
        pages.append((f"{name} changelist", admin_url(model, "changelist"), 200))
        add_status = 200 if model_admin.has_add_permission(request) else 403
        pages.append((f"{name} add", admin_url(model, "add"), add_status))
    return pages


def count_page_queries(client, pages):
    counts = {}
    for name, url, expected_status in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == expected_status, name
        counts[name] = len(queries)
    return counts


# Who reaches the admin


def test_admin_opens_for_administrator(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "role", ["lawyer", "practice_manager", "senior_legal_manager", "portal_user"]
)
def test_admin_turns_away_other_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_needs_role_not_just_flag(client, practice_manager):
    practice_manager.is_staff = True
    practice_manager.save(update_fields=["is_staff"])
    client.force_login(practice_manager)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


def test_admin_sign_in_rejects_lawyer(client, lawyer):
    response = client.post(
        reverse("admin:login"), {"username": lawyer.email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert client.session.get("_auth_user_id") is None


# Every registered page


def test_admin_pages_open_with_flat_queries(admin_client, administrator):
    request = RequestFactory().get("/admin/")
    request.user = administrator
    pages = registered_admin_pages(request)
    seed_records(2, actor=administrator)
    # The first pass fills per-process caches such as content types.
    count_page_queries(admin_client, pages)

    few = count_page_queries(admin_client, pages)
    seed_records(12, actor=administrator)
    many = count_page_queries(admin_client, pages)

    for name, _url, _status in pages:
        assert many[name] == few[name], f"{name}: {few[name]} then {many[name]}"
        assert many[name] <= MAX_QUERIES_PER_PAGE, f"{name}: {many[name]} queries"


def test_every_change_page_opens(admin_client, administrator):
    seed_records(1, actor=administrator)

    for model in admin.site._registry:
        obj = model._default_manager.first()
        assert obj is not None, model
        response = admin_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200, model


# The audit trail


def test_audit_event_admin_is_read_only(admin_client, administrator):
    event = audit.record(action=AuditEvent.Action.SIGN_IN, actor=administrator)
    request = RequestFactory().get("/admin/")
    request.user = administrator
    model_admin = admin.site._registry[AuditEvent]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert admin_client.get(admin_url(AuditEvent, "add")).status_code == 403
    change_page = admin_client.get(admin_url(AuditEvent, "change", event.pk))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    delete = admin_client.post(
        admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_admin_searches_and_filters(
    admin_client, administrator, client_org
):
    by_actor = audit.record(action=AuditEvent.Action.SIGN_IN, actor=administrator)
    by_username = audit.record(
        action=AuditEvent.Action.LOCKED_OUT, username="stranger@elsewhere.example"
    )
    by_target = audit.record(
        action=AuditEvent.Action.UPDATE, actor=administrator, target=client_org
    )
    changelist = admin_url(AuditEvent, "changelist")

    def listed(**params):
        response = admin_client.get(changelist, params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    # Signing the administrator in wrote a sign-in event of its own.
    by_admin = listed(q="admin@example.org")
    assert {by_actor, by_target} <= by_admin
    assert by_username not in by_admin
    assert listed(q="stranger@elsewhere") == {by_username}
    assert listed(q="Northfield") == {by_target}
    assert listed(action__exact="locked_out") == {by_username}


# Users and portal users


def user_form_data(**fields):
    data = {
        "email": "pat.new@example.org",
        "full_name": "Pat New",
        "usable_password": "false",
        "password1": "",
        "password2": "",
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "portal_memberships-TOTAL_FORMS": "0",
        "portal_memberships-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def test_admin_creates_portal_user_for_organisation(
    admin_client, administrator, client_org
):
    data = user_form_data(
        groups=[Role.CLIENT.group().pk],
        **{
            "portal_memberships-TOTAL_FORMS": "1",
            "portal_memberships-0-client": str(client_org.pk),
        },
    )

    response = admin_client.post(admin_url(User, "add"), data)

    assert response.status_code == 302
    user = User.objects.get(email="pat.new@example.org")
    assert user.is_portal_user
    assert not user.has_usable_password()
    membership = PortalMembership.objects.get(user=user)
    assert membership.client == client_org
    assert membership.created_by == administrator


def test_admin_warns_membership_without_client_role(admin_client, client_org):
    data = user_form_data(
        **{
            "portal_memberships-TOTAL_FORMS": "1",
            "portal_memberships-0-client": str(client_org.pk),
        }
    )

    response = admin_client.post(admin_url(User, "add"), data)

    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("not the Client (portal) role" in text for text in warnings)


def test_admin_rejects_staff_plus_client_roles(admin_client):
    roles = [Role.LAWYER.group().pk, Role.CLIENT.group().pk]

    response = admin_client.post(admin_url(User, "add"), user_form_data(groups=roles))

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="pat.new@example.org").exists()


def test_admin_rejects_email_taken_in_other_case(admin_client, lawyer):
    data = user_form_data(email="Lawyer@Example.org")

    response = admin_client.post(admin_url(User, "add"), data)

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="lawyer@example.org").count() == 1


def test_user_changelist_shows_roles(admin_client, lawyer, portal_user):
    response = admin_client.get(admin_url(User, "changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Lawyer" in content
    assert "Client (portal)" in content


def test_owner_autocomplete_offers_staff_only(admin_client, lawyer, portal_user):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "clients",
            "model_name": "client",
            "field_name": "relationship_owner",
            "term": "",
        },
    )

    assert response.status_code == 200
    offered = {result["id"] for result in response.json()["results"]}
    assert str(lawyer.pk) in offered
    assert str(portal_user.pk) not in offered


# Lockout records


def test_administrator_unlocks_account_in_admin(admin_client, lawyer, settings):
    browser = Client()
    credentials = {"username": lawyer.email, "password": "wrong"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post(reverse("accounts:login"), credentials)
    credentials["password"] = PASSWORD
    assert browser.post(reverse("accounts:login"), credentials).status_code == 429
    attempt = AccessAttempt.objects.get(username=lawyer.email)

    response = admin_client.post(
        admin_url(AccessAttempt, "delete", attempt.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert browser.post(reverse("accounts:login"), credentials).status_code == 302


# KPI records, benchmarks and costs


def test_kpi_record_admin_is_read_only(admin_client, administrator):
    record = KpiRecordFactory(value=Decimal("88.0"))
    request = RequestFactory().get("/admin/")
    request.user = administrator
    model_admin = admin.site._registry[KpiRecord]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)
    change_page = admin_client.get(admin_url(KpiRecord, "change", record.pk))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    delete = admin_client.post(
        admin_url(KpiRecord, "delete", record.pk), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert KpiRecord.objects.filter(pk=record.pk).exists()


def benchmark_form_data(definition, **fields):
    data = {
        "definition": str(definition.pk),
        "period_kind": "quarter",
        "period_start": "2026-08-15",
        "peer": "Melchester Legal",
        "value": "82.5",
        "source": "Peer review 2026",
    }
    data.update(fields)
    return data


def test_benchmark_admin_snaps_period_and_audits(admin_client, administrator):
    definition = KpiDefinitionFactory(unit="percent")

    response = admin_client.post(
        admin_url(Benchmark, "add"), benchmark_form_data(definition)
    )

    assert response.status_code == 302
    benchmark = Benchmark.objects.get()
    assert benchmark.period_start == dt.date(2026, 7, 1)
    assert benchmark.value == Decimal("82.5")
    assert benchmark.entered_by == administrator
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert event.target_id == str(benchmark.pk)
    assert event.changes["peer"] == "Melchester Legal"


def test_benchmark_admin_rejects_value_outside_unit(admin_client):
    definition = KpiDefinitionFactory(unit="percent")

    response = admin_client.post(
        admin_url(Benchmark, "add"), benchmark_form_data(definition, value="140")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["value"] == ["Enter a percentage from 0 to 100."]
    assert not Benchmark.objects.exists()


def test_service_cost_admin_change_is_audited(admin_client, administrator):
    team = TeamFactory()
    cost = ServiceCost.objects.create(
        month=dt.date(2026, 10, 1), team=team, amount=Decimal("5000.00")
    )
    data = {
        "month": "2026-10-20",
        "team": str(team.pk),
        "amount": "5250.50",
        "description": "Agency cover",
    }

    response = admin_client.post(admin_url(ServiceCost, "change", cost.pk), data)

    assert response.status_code == 302
    cost.refresh_from_db()
    assert cost.month == dt.date(2026, 10, 1)
    assert cost.amount == Decimal("5250.50")
    assert cost.entered_by == administrator
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.changes["amount"] == ["5000.00", "5250.50"]
