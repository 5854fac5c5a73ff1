"""Every URL pattern, and which roles may reach it.

The table is in ``tests/permission_matrix.py``. A URL pattern added without
an entry there fails ``test_every_url_pattern_has_entry``. Each entry is then
requested as each role. Admitted roles must get the page, or a redirect that
is not to a sign-in or two-factor page. Other signed-in roles must get a 403,
or a 404 for a portal user requesting another organisation's record.
Anonymous visitors must be redirected to the sign-in page of the area (staff
or portal).

The Django admin, which only administrators reach, is checked as a group: the
index, every app index and every changelist as each role; the add and change
pages of one model per app as the other roles; and as an administrator every
add page and the change page of every model that has a record here.
"""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.invitations import hash_token
from accounts.models import PortalInvitation
from accounts.roles import Role
from clients.models import Client, ImportJob, Interaction, RechargeStatement
from feedback.models import InvitationToken, YouSaidWeDid
from feedback.surveys.tokens import new_token

from . import permission_matrix as matrix
from .auth import sign_in
from .factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    ClientFactory,
    ClientPlanFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    InvitationFactory,
    KeyAccountFactory,
    KpiDefinitionFactory,
    MatterFactory,
    PlanActionFactory,
    PortalMembershipFactory,
    QuestionFactory,
    StaffFactory,
    SurveyFactory,
    SurveyRoundFactory,
    TeamFactory,
    TimeEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_NAMESPACE = "admin"
ENTRIES = {entry.name: entry for entry in matrix.ENTRIES}
SIGN_IN_PAGES = {matrix.STAFF: "accounts:login", matrix.PORTAL: "portal:sign_in"}
# Sign-in and two-factor pages. An admitted role redirected to one of them
# did not reach the page.
GATE_PAGES = (
    "accounts:login",
    "portal:sign_in",
    "admin:login",
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
)
PORTAL_ROLES = (matrix.PORTAL_USER, matrix.OTHER_PORTAL_USER)


# Collecting the URL patterns
# ---------------------------------------------------------------------------


def url_pattern_names(patterns=None, namespace=None, prefix=""):
    """Yield (name, route, namespace) for every pattern.

    The name includes its namespaces, as in "portal:home", and is "" when the
    pattern has no name.
    """
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_pattern_names(pattern.url_patterns, inner, route)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield name, route, namespace


def site_patterns():
    """Named and unnamed patterns outside the admin, which is checked as a group."""
    return [
        (name, route)
        for name, route, namespace in url_pattern_names()
        if (namespace or "").split(":")[0] != ADMIN_NAMESPACE
    ]


def test_every_url_pattern_has_entry():
    missing = sorted(
        name or f"(unnamed pattern {route!r})"
        for name, route in site_patterns()
        if name not in ENTRIES
    )

    assert not missing, (
        "Add these URL patterns to tests/permission_matrix.py, saying which "
        f"roles may reach them: {', '.join(missing)}"
    )


def test_every_entry_names_existing_pattern():
    existing = {name for name, _ in site_patterns()}

    stale = sorted(set(ENTRIES) - existing)

    assert not stale, (
        "These entries of tests/permission_matrix.py name no URL pattern; "
        f"remove or rename them: {', '.join(stale)}"
    )


def test_every_entry_is_listed_once():
    names = [entry.name for entry in matrix.ENTRIES]

    repeated = sorted({name for name in names if names.count(name) > 1})

    assert not repeated


def test_every_registered_model_is_in_admin_group():
    names = {name for name, _, _ in url_pattern_names()}

    for model in admin.site._registry:
        assert admin_url_name(model, "changelist") in names


# The records URL arguments come from, built once per module
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(django_db_setup, django_db_blocker):
    """Build every record once, inside a transaction rolled back at the end.

    Each test runs in a savepoint of that transaction (pytest-django's ``db``),
    so what one test changes is undone before the next.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                built = build_records()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def build_records():
    team = TeamFactory(name="Governance")
    users = build_users(team)
    northfield = ClientFactory(
        name="Northfield Primary School", relationship_owner=users[matrix.LAWYER]
    )
    southbrook = ClientFactory(
        name="Southbrook Parish Council", kind=Client.Kind.PARISH_COUNCIL
    )
    PortalMembershipFactory(client=northfield, user=users[matrix.PORTAL_USER])
    PortalMembershipFactory(client=southbrook, user=users[matrix.OTHER_PORTAL_USER])

    built = {"users": users, "team": team, "client": northfield}
    built.update(contact_log_records(northfield, users))
    built.update(matter_records(northfield, built["contact"], users))
    built.update(key_account_records(northfield, built["interaction"], users))
    built.update(survey_records(built["contact"], users))
    built.update(portal_records(northfield, users))
    built.update(kpi_records())
    built.update(account_records(northfield, users))
    return built


def build_users(team):
    users = {
        matrix.LAWYER: StaffFactory(email="lawyer@example.org", profile__team=team),
        matrix.PRACTICE_MANAGER: StaffFactory(
            email="manager@example.org",
            roles=(Role.PRACTICE_MANAGER,),
            profile__team=team,
        ),
        matrix.SENIOR_LEGAL_MANAGER: StaffFactory(
            email="senior@example.org",
            roles=(Role.SENIOR_LEGAL_MANAGER,),
            profile__team=team,
        ),
        matrix.ADMINISTRATOR: StaffFactory(
            email="admin@example.org",
            roles=(Role.ADMINISTRATOR,),
            is_staff=True,
            profile__team=team,
        ),
        matrix.PORTAL_USER: UserFactory(
            email="portal@example.org", roles=(Role.CLIENT,)
        ),
        matrix.OTHER_PORTAL_USER: UserFactory(
            email="other.portal@example.org", roles=(Role.CLIENT,)
        ),
    }
    # Made here once, so that sign_in has a device to use.
    TOTPDevice.objects.create(
        user=users[matrix.ADMINISTRATOR],
        name=two_factor.APP_DEVICE_NAME,
        confirmed=True,
    )
    return users


def contact_log_records(client, users):
    # The contact has the portal user's email, so that the portal user is
    # invited to the survey round as that contact.
    contact = ContactFactory(client=client, email=users[matrix.PORTAL_USER].email)
    # A needs assessment, so that its needs can be added to the draft plan.
    interaction = InteractionFactory(
        client=client,
        staff=users[matrix.LAWYER],
        kind=Interaction.Kind.NEEDS_ASSESSMENT,
        follow_up_action="Send the lease",
        follow_up_due=dt.date(2026, 1, 5),
    )
    return {
        "contact": contact,
        "interaction": interaction,
        "client_without_account": ClientFactory(name="Eastfield Academy"),
    }


def matter_records(client, contact, users):
    lawyer = users[matrix.LAWYER]
    matter = MatterFactory(
        client=client, client_contact=contact, responsible_lawyer=lawyer
    )
    directorate = ClientFactory(
        name="Highways directorate", kind=Client.Kind.INTERNAL_DIRECTORATE
    )
    return {
        "matter": matter,
        "time_entry": TimeEntryFactory(matter=matter, staff=lawyer),
        "statement": RechargeStatement.objects.create(
            client=directorate, month=dt.date(2026, 3, 1)
        ),
        "import_job": ImportJob.objects.create(
            kind=ImportJob.Kind.MATTERS, file_name="matters.csv", content=b""
        ),
    }


def key_account_records(client, interaction, users):
    lawyer = users[matrix.LAWYER]
    account = KeyAccountFactory(
        client=client, owner=lawyer, sponsor=users[matrix.SENIOR_LEGAL_MANAGER]
    )
    plan = ClientPlanFactory(key_account=account)
    leaver = StaffFactory(email="leaver@example.org")
    leaver.profile.leave_date = timezone.localdate()
    leaver.profile.save(update_fields=["leave_date"])
    return {
        "key_account": account,
        "plan": plan,
        "plan_need": plan.needs.create(
            description="Training", source_interaction=interaction
        ),
        "plan_action": PlanActionFactory(plan=plan, owner=lawyer),
        "leaver": leaver,
    }


def survey_records(contact, users):
    survey = SurveyFactory()
    survey_round = SurveyRoundFactory(survey=survey)
    invitation = InvitationFactory(
        round=survey_round, contact=contact, lawyer=users[matrix.LAWYER]
    )
    token, token_hash = new_token()
    InvitationToken.objects.create(invitation=invitation, token_hash=token_hash)
    return {
        "survey": survey,
        "question": QuestionFactory(survey=survey),
        "survey_round": survey_round,
        "draft_round": SurveyRoundFactory(
            survey=survey, status="draft", launched_at=None
        ),
        "survey_token": token,
        "portal_invitation": invitation,
        "you_said_we_did": YouSaidWeDid.objects.create(
            client=contact.client,
            round=survey_round,
            you_said="Replies were slow.",
            we_did="We answer within two working days.",
        ),
    }


def portal_records(client, users):
    category = ArticleCategoryFactory(name="Schools", slug="schools")
    article = ArticleFactory(
        slug="exclusion-appeals",
        category=category,
        owner=users[matrix.LAWYER],
        audience="kinds",
    )
    article.audience_kinds.create(kind=Client.Kind.SCHOOL)
    return {
        "school_category": category,
        "school_category_slug": category.slug,
        "school_article": article,
        "school_article_slug": article.slug,
        "portal_feedback": FeedbackFactory(
            client=client, submitted_by=users[matrix.PORTAL_USER]
        ),
    }


def kpi_records():
    manual = KpiDefinitionFactory(code="matrix-manual")
    computed = KpiDefinitionFactory(code="matrix-computed", source="utilisation")
    return {"manual_kpi_code": manual.code, "computed_kpi_code": computed.code}


def account_records(client, users):
    token = "matrix-portal-invitation-token"
    newcomer = ContactFactory(client=client, email="newcomer@example.org")
    PortalInvitation.objects.create(
        contact=newcomer,
        client=client,
        email=newcomer.email,
        token_hash=hash_token(token),
        created_by=users[matrix.LAWYER],
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    lawyer = users[matrix.LAWYER]
    return {
        "portal_invitation_token": token,
        "reset_uid": urlsafe_base64_encode(force_bytes(lawyer.pk)),
        "reset_token": default_token_generator.make_token(lawyer),
    }


# Requesting a page as a role
# ---------------------------------------------------------------------------


def entry_url(entry, records):
    args = [argument_value(argument, records) for argument in entry.args]
    return reverse(entry.name, args=args)


def argument_value(argument, records):
    if isinstance(argument, matrix.Fixed):
        return argument.value
    value = records[argument]
    return value.pk if isinstance(value, models.Model) else value


def entry_data(entry, records):
    return {field: argument_value(value, records) for field, value in entry.data}


def request_as(http, role, records, method, url, data=None):
    if role != matrix.ANONYMOUS:
        sign_in(http, records["users"][role])
    # An empty POST is enough to tell admitted from rejected users, because an
    # admitted user gets a form error or a redirect, not a 403.
    return http.post(url, data or {}) if method == "post" else http.get(url)


def redirect_path(response):
    return urlsplit(response["Location"]).path


def assert_admitted(response, *, method="get", also_ok=()):
    status = response.status_code
    if status in (200, *also_ok) or (method == "post" and status == 400):
        return
    assert 300 <= status < 400, f"admitted role got {status}"
    gates = {reverse(name): name for name in GATE_PAGES}
    assert redirect_path(response) not in gates, (
        f"admitted role sent to {gates.get(redirect_path(response))}"
    )


def assert_sent_to_sign_in(response, sign_in_name, requested):
    assert response.status_code == 302, response.status_code
    assert redirect_path(response) == reverse(sign_in_name)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query.get("next") == ([requested] if requested else None)


def assert_rejected(response, entry, role, url):
    if role == matrix.ANONYMOUS:
        assert_sent_to_sign_in(response, SIGN_IN_PAGES[entry.area], url)
    elif role in PORTAL_ROLES and entry.portal_user_sent_to:
        assert response.status_code == 302
        assert redirect_path(response) == reverse(entry.portal_user_sent_to)
    elif role == matrix.OTHER_PORTAL_USER and entry.area == matrix.PORTAL:
        # Another organisation's record may as well not exist.
        assert response.status_code in (403, 404), response.status_code
    else:
        assert response.status_code == 403, response.status_code


# Health reports 503 when a check fails (no scheduler run in tests, say);
# the page was still reached.
ALSO_OK = {"health": (503,)}


@pytest.mark.parametrize("role", matrix.ROLES)
@pytest.mark.parametrize("entry", matrix.ENTRIES, ids=lambda entry: entry.name)
def test_role_reaches_only_admitted_pages(client, records, entry, role):
    url = entry_url(entry, records)
    data = entry_data(entry, records)

    response = request_as(client, role, records, entry.method, url, data)

    if role in entry.admitted and entry.signs_out:
        assert_sent_to_sign_in(response, "accounts:login", None)
    elif role in entry.admitted:
        assert_admitted(
            response, method=entry.method, also_ok=ALSO_OK.get(entry.name, ())
        )
    else:
        assert_rejected(response, entry, role, url)


POST_ONLY = [entry for entry in matrix.ENTRIES if entry.method == "post"]


@pytest.mark.parametrize("entry", POST_ONLY, ids=lambda entry: entry.name)
def test_post_only_page_rejects_get(client, records, entry):
    signed_in = [role for role in entry.admitted if role != matrix.ANONYMOUS]
    role = sorted(signed_in)[0] if signed_in else matrix.ANONYMOUS

    response = request_as(client, role, records, "get", entry_url(entry, records))

    assert response.status_code == 405


# The Django admin, as a group
# ---------------------------------------------------------------------------


def admin_url_name(model, view):
    opts = model._meta
    return f"admin:{opts.app_label}_{opts.model_name}_{view}"


def admin_pages():
    """List (label, URL name, model or app label, view) of each admin list page."""
    pages = [("index", "admin:index", None, "index")]
    app_labels = sorted({model._meta.app_label for model in admin.site._registry})
    pages += [(f"app {label}", "admin:app_list", label, "app") for label in app_labels]
    for model in registered_models():
        name = admin_url_name(model, "changelist")
        pages.append((f"{model._meta.label} changelist", name, model, "changelist"))
    return pages


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def sample_form_pages():
    """List the add and change pages of one model per app, for other roles."""
    first_of_app = {}
    for model in registered_models():
        first_of_app.setdefault(model._meta.app_label, model)
    return [
        (f"{model._meta.label} {view}", admin_url_name(model, view), model, view)
        for model in first_of_app.values()
        for view in ("add", "change")
    ]


ADMIN_PAGES = admin_pages()
SAMPLE_FORM_PAGES = sample_form_pages()
NON_ADMIN_ROLES = [role for role in matrix.ROLES if role != matrix.ADMINISTRATOR]


def admin_page_url(name, model, view):
    if view == "app":
        return reverse(name, args=[model])
    if view != "change":
        return reverse(name)
    sample = model._default_manager.order_by("pk").first()
    return None if sample is None else reverse(name, args=[sample.pk])


def admin_may_add(model, user):
    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].has_add_permission(request)


@pytest.mark.parametrize("role", matrix.ROLES)
@pytest.mark.parametrize(
    ("name", "model", "view"),
    [page[1:] for page in ADMIN_PAGES],
    ids=[page[0] for page in ADMIN_PAGES],
)
def test_only_administrators_reach_admin(client, records, name, model, view, role):
    url = admin_page_url(name, model, view)

    response = request_as(client, role, records, "get", url)

    if role == matrix.ADMINISTRATOR:
        assert_admitted(response)
    else:
        assert_sent_to_sign_in(response, "admin:login", url)


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
@pytest.mark.parametrize(
    ("name", "model", "view"),
    [page[1:] for page in SAMPLE_FORM_PAGES],
    ids=[page[0] for page in SAMPLE_FORM_PAGES],
)
def test_admin_forms_reject_other_roles(client, records, name, model, view, role):
    url = admin_page_url(name, model, view) or reverse(name, args=[1])

    response = request_as(client, role, records, "get", url)

    assert_sent_to_sign_in(response, "admin:login", url)


def test_administrator_opens_admin_forms(client, records):
    administrator = records["users"][matrix.ADMINISTRATOR]
    sign_in(client, administrator)
    wrong = {}

    for model in registered_models():
        add_status = 200 if admin_may_add(model, administrator) else 403
        pages = [
            (admin_page_url(admin_url_name(model, "add"), model, "add"), add_status)
        ]
        change_url = admin_page_url(admin_url_name(model, "change"), model, "change")
        if change_url:
            pages.append((change_url, 200))
        for url, expected in pages:
            status = client.get(url).status_code
            if status != expected:
                wrong[url] = status

    assert not wrong
