"""Which roles hold the survey permissions."""

import pytest

pytestmark = pytest.mark.django_db

RESULTS = [
    "feedback.view_survey",
    "feedback.view_surveyround",
    "feedback.view_response",
    "feedback.view_yousaidwedid",
]
BUILD_AND_LAUNCH = [
    "feedback.add_survey",
    "feedback.change_survey",
    "feedback.delete_survey",
    "feedback.add_surveyround",
    "feedback.change_surveyround",
    "feedback.delete_surveyround",
    "feedback.add_yousaidwedid",
    "feedback.change_yousaidwedid",
    "feedback.delete_yousaidwedid",
]


@pytest.mark.parametrize(
    "role", ["lawyer", "practice_manager", "senior_legal_manager", "administrator"]
)
@pytest.mark.parametrize("permission", RESULTS)
def test_every_staff_role_reads_results(request, role, permission):
    user = request.getfixturevalue(role)

    assert user.has_perm(permission)


@pytest.mark.parametrize(
    "role", ["practice_manager", "senior_legal_manager", "administrator"]
)
@pytest.mark.parametrize("permission", BUILD_AND_LAUNCH)
def test_managers_build_and_launch(request, role, permission):
    user = request.getfixturevalue(role)

    assert user.has_perm(permission)


@pytest.mark.parametrize("permission", BUILD_AND_LAUNCH)
def test_lawyer_cannot_build_or_launch(lawyer, permission):
    assert not lawyer.has_perm(permission)


@pytest.mark.parametrize("permission", RESULTS + BUILD_AND_LAUNCH)
def test_portal_user_holds_no_survey_permission(portal_user, permission):
    assert not portal_user.has_perm(permission)
