"""The seed_demo command: what it loads, and what a second run does."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import PortalMembership, StaffProfile, Team, User
from accounts.roles import Role
from clients.management import demo_content
from clients.models import (
    Client,
    ClientPlan,
    Contact,
    HourlyRate,
    Interaction,
    KeyAccount,
    Matter,
    PlanAction,
    RankingFigures,
    RechargeLine,
    RechargeStatement,
    TimeEntry,
)
from feedback.models import ArticleVote, Feedback
from kpis.models import AuthorityAim, KpiRecord, ServiceCost

pytestmark = pytest.mark.django_db

DEMO_SIGN_INS = {
    "lawyer@example.org": Role.LAWYER,
    "manager@example.org": Role.PRACTICE_MANAGER,
    "senior@example.org": Role.SENIOR_LEGAL_MANAGER,
    "admin@example.org": Role.ADMINISTRATOR,
    "client@example.org": Role.CLIENT,
}


@pytest.fixture
def debug_on(settings):
    # seed_demo runs only with DEBUG on, and pytest-django turns it off.
    settings.DEBUG = True


def seed(*args):
    output = StringIO()
    call_command("seed_demo", *args, stdout=output)
    return output.getvalue()


def row_counts():
    models = [
        User,
        Team,
        StaffProfile,
        Client,
        Contact,
        Interaction,
        Matter,
        HourlyRate,
        TimeEntry,
        RechargeStatement,
        RechargeLine,
        KeyAccount,
        ClientPlan,
        PlanAction,
        RankingFigures,
        ServiceCost,
        AuthorityAim,
        ArticleVote,
        Feedback,
    ]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["interaction contacts"] = Interaction.contacts.through.objects.count()
    counts["portal memberships"] = PortalMembership.objects.count()
    counts["group memberships"] = User.groups.through.objects.count()
    return counts


def test_seed_loads_expected_counts(debug_on):
    seed()

    counts = row_counts()
    contact_links = counts.pop("interaction contacts")
    time_entries = counts.pop("TimeEntry")
    recharge_lines = counts.pop("RechargeLine")
    plan_actions = counts.pop("PlanAction")
    votes = counts.pop("ArticleVote")
    feedback = counts.pop("Feedback")
    assert counts == {
        "User": 33,
        "Team": 6,
        "StaffProfile": 20,
        "Client": 60,
        "Contact": 150,
        "Interaction": 1000,
        "Matter": 160,
        "HourlyRate": 38,
        "RechargeStatement": 2,
        "KeyAccount": 6,
        "ClientPlan": 13,
        "RankingFigures": 60,
        "ServiceCost": 84,
        "AuthorityAim": 4,
        "portal memberships": 13,
        "group memberships": 33,
    }
    assert 4000 < time_entries < 8000
    assert recharge_lines > 0
    assert 100 < plan_actions < 160
    assert 30 < votes < 70
    assert 40 < feedback < 70
    assert 1000 < contact_links < 2000
    kinds = {kind: Client.objects.filter(kind=kind).count() for kind in Client.Kind}
    assert kinds[Client.Kind.INTERNAL_DIRECTORATE] == 4
    assert kinds[Client.Kind.INTERNAL_SERVICE] == 8
    assert kinds[Client.Kind.SCHOOL] == 30
    assert kinds[Client.Kind.PARISH_COUNCIL] == 15
    assert kinds[Client.Kind.OTHER_AUTHORITY] == 3


def test_internal_clients_have_hierarchy_and_codes(debug_on):
    seed()

    services = Client.objects.filter(kind=Client.Kind.INTERNAL_SERVICE)
    assert not services.filter(parent__isnull=True).exists()
    assert not services.exclude(parent__kind=Client.Kind.INTERNAL_DIRECTORATE).exists()
    internal = Client.objects.filter(kind__in=Client.INTERNAL_KINDS)
    assert not internal.filter(cost_centre_code="").exists()
    external = Client.objects.exclude(kind__in=Client.INTERNAL_KINDS)
    assert not external.exclude(cost_centre_code="").exists()
    for client in Client.objects.all():
        client.full_clean()


def test_demo_sign_ins_have_roles_and_password(debug_on):
    seed()

    for email, role in DEMO_SIGN_INS.items():
        user = User.objects.get(email=email)
        assert user.check_password(demo_content.DEMO_PASSWORD), email
        assert user.has_role(role), email
        validate_password(demo_content.DEMO_PASSWORD, user)
    assert User.objects.get(email="admin@example.org").is_staff
    assert User.objects.filter(is_staff=True).count() == 1
    portal_user = User.objects.get(email="client@example.org")
    assert portal_user.is_portal_user
    assert [m.client.name for m in portal_user.portal_memberships.all()] == [
        demo_content.PORTAL_SCHOOL
    ]
    # The other portal users are invited contacts who have not signed in yet.
    voters = User.objects.filter(portal_memberships__isnull=False).exclude(
        pk=portal_user.pk
    )
    assert voters.count() == 12
    for voter in voters:
        assert voter.is_portal_user, voter
        assert not voter.has_usable_password(), voter
        membership = voter.portal_memberships.get()
        assert membership.client.contacts.filter(email=voter.email).exists()


def test_staff_profiles_have_rates_and_dates(debug_on):
    seed()

    profiles = StaffProfile.objects.select_related("user")
    lawyers = profiles.filter(user__groups__name=Role.LAWYER.label)
    assert lawyers.count() >= 14
    for profile in lawyers:
        assert isinstance(profile.hourly_rate, Decimal), profile
        assert profile.start_date is not None, profile
        profile.full_clean()
    assert profiles.exclude(team__isnull=False).count() == 1
    leavers = profiles.filter(leave_date__isnull=False)
    assert leavers.count() >= 2
    for profile in leavers:
        has_left = profile.leave_date < timezone.localdate()
        assert profile.user.is_active is not has_left, profile


def test_contacts_include_welsh_and_apostrophe_names(debug_on):
    seed()

    names = set(Contact.objects.values_list("full_name", flat=True))
    assert "Siân O'Brien" in names
    assert any("'" in name for name in names - {"Siân O'Brien"})
    assert any(set(name) & set("âêîôûŵŷ") for name in names - {"Siân O'Brien"})
    assert Contact.objects.filter(is_primary=True).count() == 60
    assert (
        not Contact.objects.exclude(email="")
        .exclude(email__endswith="@example.org")
        .exists()
    )
    for contact in Contact.objects.all():
        contact.full_clean()


def test_interactions_attach_own_client_contacts(debug_on):
    seed()

    through = Interaction.contacts.through.objects
    assert not through.exclude(contact__client=F("interaction__client")).exists()
    assert not Interaction.objects.filter(contacts__isnull=True).exists()


def test_interactions_span_two_years_in_past(debug_on):
    seed()

    now = timezone.now()
    first = Interaction.objects.order_by("occurred_at").first().occurred_at
    last = Interaction.objects.order_by("occurred_at").last().occurred_at
    assert now - first > dt.timedelta(days=600)
    assert now - first <= dt.timedelta(days=demo_content.HISTORY_DAYS + 3)
    assert last < now
    assert not Interaction.objects.filter(follow_up_done_at__gt=now).exists()
    assert len(set(Interaction.objects.values_list("summary", flat=True))) > 300
    for kind in Interaction.Kind:
        assert Interaction.objects.filter(kind=kind).exists(), kind
    for channel in Interaction.Channel:
        assert Interaction.objects.filter(channel=channel).exists(), channel


def test_demo_lawyer_has_follow_ups_due(debug_on):
    seed()

    today = timezone.localdate()
    open_follow_ups = Interaction.objects.follow_ups_open().filter(
        staff__email="lawyer@example.org"
    )
    assert open_follow_ups.filter(follow_up_due=today).count() >= 3
    assert open_follow_ups.filter(follow_up_due__lt=today).count() >= 3
    assert open_follow_ups.filter(follow_up_due__gt=today).count() >= 3


def test_second_run_rejected_and_creates_nothing(debug_on):
    seed()
    before = row_counts()

    with pytest.raises(CommandError, match="already loaded"):
        seed()

    assert row_counts() == before


def test_if_empty_skips_populated_database(debug_on):
    seed()
    before = row_counts()

    output = seed("--if-empty")

    assert "no demo data was loaded" in output
    assert row_counts() == before


def test_reset_reloads_identical_content(debug_on):
    def content():
        return sorted(
            Interaction.objects.values_list(
                "client__name", "staff__email", "kind", "channel", "summary"
            )
        )

    seed()
    first_counts, first_content = row_counts(), content()

    seed("--reset")

    assert row_counts() == first_counts
    assert content() == first_content


def test_reset_recomputes_kpi_records(debug_on):
    seed()
    call_command("rollup_kpis", "--periods", "1", stdout=StringIO())

    seed("--reset")

    team_scopes = set(
        KpiRecord.objects.filter(scope_kind="team").values_list("scope_id", flat=True)
    )
    assert team_scopes
    assert team_scopes <= set(Team.objects.values_list("pk", flat=True))


def test_seed_rejected_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=true"):
        seed()

    assert not User.objects.exists()


def test_demo_matters_time_and_statements(debug_on):
    # One load for all three checks, because each load takes seconds.
    seed()

    today = timezone.localdate()
    entries = TimeEntry.objects.all()
    first = entries.order_by("worked_on").first().worked_on
    assert today - first >= dt.timedelta(days=360)
    assert not entries.filter(worked_on__gt=today).exists()
    assert not entries.filter(worked_on__lt=F("matter__opened_on")).exists()
    assert not entries.filter(worked_on__gt=F("matter__closed_on")).exists()
    for entry in entries.order_by("?")[:50]:
        entry.full_clean()

    statuses = sorted(RechargeStatement.objects.values_list("status", flat=True))
    assert statuses == ["draft", "issued"]
    issued = RechargeStatement.objects.get(status="issued")
    assert issued.total == sum(line.amount for line in issued.lines.all())

    lawyer = User.objects.get(email="lawyer@example.org")
    at_risk = Matter.objects.promise_at_risk(today).filter(responsible_lawyer=lawyer)
    overdue = Matter.objects.promise_overdue(today).filter(responsible_lawyer=lawyer)
    assert at_risk.count() >= 2
    assert overdue.exists()
