"""Shared fixtures: one user per role, and the organisations they belong to.

Each role fixture notes what that user may reach, so a test that expects
otherwise reads as a bug.
"""

import pytest

from accounts.roles import Role

from .factories import (
    ClientFactory,
    PortalMembershipFactory,
    StaffFactory,
    TeamFactory,
)

pytest_plugins = [
    "tests.browser",
    "tests.kpi_fixtures",
    "tests.live_services",
    "tests.portal_fixtures",
    "tests.survey_fixtures",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests check passwords, not hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Keys hold primary keys, which SQLite hands out again after a test's
    # rollback, so one test's cached figures must not reach the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def team(db):
    return TeamFactory(name="Governance")


@pytest.fixture
def lawyer(team):
    """Reaches staff pages and logs contacts; no deletions, no Django admin."""
    return StaffFactory(
        email="lawyer@example.org", full_name="Lena Lawyer", profile__team=team
    )


@pytest.fixture
def practice_manager(team):
    """Reaches every staff page in the service and may delete records."""
    return StaffFactory(
        email="manager@example.org",
        full_name="Priya Manager",
        roles=(Role.PRACTICE_MANAGER,),
        profile__team=team,
        profile__job_title="Practice manager",
    )


@pytest.fixture
def senior_legal_manager(team):
    """Reaches what a practice manager reaches."""
    return StaffFactory(
        email="senior@example.org",
        full_name="Sam Senior",
        roles=(Role.SENIOR_LEGAL_MANAGER,),
        profile__team=team,
        profile__job_title="Head of legal",
    )


@pytest.fixture
def administrator(db):
    """Reaches everything, the Django admin included."""
    return StaffFactory(
        email="admin@example.org",
        full_name="Ada Administrator",
        roles=(Role.ADMINISTRATOR,),
        is_staff=True,
        profile__job_title="Systems administrator",
    )


@pytest.fixture
def client_org(db):
    return ClientFactory(name="Northfield Primary School")


@pytest.fixture
def other_client_org(db):
    return ClientFactory(name="Southbrook Parish Council")


@pytest.fixture
def portal_user(client_org):
    """A client contact in the portal: reaches only Northfield's portal pages."""
    return PortalMembershipFactory(
        client=client_org,
        user__email="portal@example.org",
        user__full_name="Pat Portal",
    ).user


@pytest.fixture
def other_portal_user(other_client_org):
    """A portal user of another organisation: reaches nothing of Northfield's."""
    return PortalMembershipFactory(
        client=other_client_org,
        user__email="other.portal@example.org",
        user__full_name="Oli Other",
    ).user


@pytest.fixture
def staff_users(lawyer, practice_manager, senior_legal_manager, administrator):
    return {
        "lawyer": lawyer,
        "practice_manager": practice_manager,
        "senior_legal_manager": senior_legal_manager,
        "administrator": administrator,
    }
