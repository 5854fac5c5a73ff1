"""The survey builder: surveys, questions, reordering, preview and copies."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from feedback.models import Answer, Question, Response, Survey

from .auth import sign_in
from .factories import QuestionFactory, SurveyFactory, SurveyRoundFactory
from .survey_fixtures import (
    build_survey,
    count_queries,
    questions_by_kind,
    valid_answers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, practice_manager):
    client.force_login(practice_manager)
    return client


def add_surveys_with_questions(count):
    surveys = SurveyFactory.create_batch(count)
    Question.objects.bulk_create(
        QuestionFactory.build(survey=survey, position=0) for survey in surveys
    )


def detail_url(survey):
    return reverse("surveys:survey_detail", args=[survey.pk])


# Surveys
# ---------------------------------------------------------------------------


def test_manager_creates_survey_with_audit(manager_client, practice_manager):
    response = manager_client.post(
        reverse("surveys:survey_create"),
        {"title": "Schools survey", "introduction": "Five short questions."},
    )

    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(survey)
    assert survey.created_by == practice_manager
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert event.target_id == str(survey.pk)
    assert event.changes["title"] == "Schools survey"


def test_survey_without_title_keeps_introduction(manager_client):
    response = manager_client.post(
        reverse("surveys:survey_create"), {"title": "", "introduction": "Kept text"}
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert not Survey.objects.exists()


def test_survey_list_searches_titles(manager_client):
    SurveyFactory(title="Schools survey")
    SurveyFactory(title="Parish councils survey")

    response = manager_client.get(reverse("surveys:survey_list"), {"q": "parish"})

    titles = [survey.title for survey in response.context["page_obj"]]
    assert titles == ["Parish councils survey"]


def test_survey_list_sorts_by_question_count(manager_client):
    few = SurveyFactory(title="A few")
    QuestionFactory(survey=few)
    many = build_survey(title="Many")

    response = manager_client.get(
        reverse("surveys:survey_list"), {"sort": "-questions"}
    )

    assert [s.pk for s in response.context["page_obj"]] == [many.pk, few.pk]


def test_survey_list_shows_empty_state(manager_client):
    response = manager_client.get(reverse("surveys:survey_list"))

    assert "There are no surveys yet." in response.content.decode()


def test_survey_list_escapes_titles(manager_client):
    SurveyFactory(title="<script>alert(1)</script>")

    response = manager_client.get(reverse("surveys:survey_list"))

    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_survey_list_query_count_flat(manager_client):
    url = reverse("surveys:survey_list")
    add_surveys_with_questions(5)
    few = count_queries(manager_client, url)

    add_surveys_with_questions(45)
    many = count_queries(manager_client, url)

    assert many == few


def test_survey_delete_needs_confirmation(manager_client):
    survey = build_survey()
    url = reverse("surveys:survey_delete", args=[survey.pk])

    confirmation = manager_client.get(url)
    assert confirmation.status_code == 200
    assert "Yes, delete" in confirmation.content.decode()
    assert Survey.objects.filter(pk=survey.pk).exists()

    manager_client.post(url)
    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).exists()


def test_survey_with_rounds_not_deleted(manager_client):
    survey_round = SurveyRoundFactory()

    response = manager_client.post(
        reverse("surveys:survey_delete", args=[survey_round.survey_id])
    )

    assert response.status_code == 302
    assert Survey.objects.filter(pk=survey_round.survey_id).exists()


# Questions
# ---------------------------------------------------------------------------


def question_data(**overrides):
    data = {"kind": "rating", "text": "How satisfied were you?", "help_text": ""}
    data.update(overrides)
    if data.get("required", True):
        data["required"] = "on"
    else:
        data.pop("required")
    return data


@pytest.mark.parametrize(
    "kind", ["rating", "nps", "single_choice", "multiple_choice", "free_text"]
)
def test_manager_adds_question_of_each_kind(manager_client, kind):
    survey = SurveyFactory()
    data = question_data(kind=kind, choice_labels="Yes\nNo\n")

    response = manager_client.post(
        reverse("surveys:question_create", args=[survey.pk]), data
    )

    assert response.status_code == 302
    question = survey.questions.get()
    assert question.kind == kind
    assert question.required
    expected = ["Yes", "No"] if question.has_choices else []
    assert [c.label for c in question.choices.all()] == expected


def test_choice_question_needs_two_choices(manager_client):
    survey = SurveyFactory()
    data = question_data(
        kind="single_choice", text="Which office?", choice_labels="Only one"
    )

    response = manager_client.post(
        reverse("surveys:question_create", args=[survey.pk]), data
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter 2 to 20 different choices" in page
    assert "Which office?" in page
    assert "Only one" in page
    assert not survey.questions.exists()


def test_optional_question_saved_optional(manager_client):
    survey = SurveyFactory()

    manager_client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        question_data(kind="free_text", required=False),
    )

    assert not survey.questions.get().required


def test_new_questions_go_to_end(manager_client):
    survey = build_survey()

    manager_client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        question_data(text="Last question"),
    )

    assert list(survey.questions.values_list("text", flat=True))[-1] == "Last question"


def test_edit_question_replaces_choices(manager_client):
    survey = build_survey()
    question = questions_by_kind(survey)["single_choice"]

    manager_client.post(
        reverse("surveys:question_edit", args=[survey.pk, question.pk]),
        question_data(kind="single_choice", text="Channel?", choice_labels="A\nB\nA"),
    )

    question.refresh_from_db()
    assert question.text == "Channel?"
    assert [c.label for c in question.choices.all()] == ["A", "B"]


def order_of(survey):
    return list(
        survey.questions.order_by("position", "pk").values_list("kind", flat=True)
    )


def test_move_question_up_swaps_neighbours(manager_client):
    survey = build_survey()
    nps = questions_by_kind(survey)["nps"]

    manager_client.post(
        reverse("surveys:question_move", args=[survey.pk, nps.pk]), {"direction": "up"}
    )

    assert order_of(survey)[:3] == ["nps", "rating", "single_choice"]


def test_move_last_question_down_does_nothing(manager_client):
    survey = build_survey()
    before = order_of(survey)
    last = questions_by_kind(survey)["free_text"]

    manager_client.post(
        reverse("surveys:question_move", args=[survey.pk, last.pk]),
        {"direction": "down"},
    )

    assert order_of(survey) == before


def test_delete_question_after_confirmation(manager_client):
    survey = build_survey()
    question = questions_by_kind(survey)["nps"]
    url = reverse("surveys:question_delete", args=[survey.pk, question.pk])

    assert "Yes, delete" in manager_client.get(url).content.decode()
    manager_client.post(url)

    assert not Question.objects.filter(pk=question.pk).exists()


@pytest.mark.parametrize("url_name", ["question_create", "question_edit"])
def test_sent_survey_questions_locked(manager_client, url_name):
    survey_round = SurveyRoundFactory(survey=build_survey())
    survey = survey_round.survey
    question = survey.questions.first()
    args = [survey.pk] if url_name == "question_create" else [survey.pk, question.pk]

    response = manager_client.post(
        reverse(f"surveys:{url_name}", args=args), question_data(text="Changed")
    )

    assert response.status_code == 302
    assert survey.questions.count() == 5
    question.refresh_from_db()
    assert question.text != "Changed"


def test_draft_round_leaves_survey_editable(manager_client):
    survey = build_survey()
    SurveyRoundFactory(survey=survey, status="draft")

    manager_client.post(
        reverse("surveys:question_create", args=[survey.pk]), question_data()
    )

    assert survey.questions.count() == 6


# Copy and preview
# ---------------------------------------------------------------------------


def test_copy_survey_copies_questions_and_choices(manager_client, practice_manager):
    survey = build_survey(title="Schools survey")
    SurveyRoundFactory(survey=survey)

    response = manager_client.post(reverse("surveys:survey_copy", args=[survey.pk]))

    copy = Survey.objects.exclude(pk=survey.pk).get()
    assert response.url == detail_url(copy)
    assert copy.title == "Copy of Schools survey"
    assert copy.created_by == practice_manager
    assert not copy.is_locked
    assert order_of(copy) == order_of(survey)
    original = questions_by_kind(survey)["multiple_choice"]
    copied = questions_by_kind(copy)["multiple_choice"]
    assert copied.pk != original.pk
    assert [c.label for c in copied.choices.all()] == ["Speed", "Clarity", "Courtesy"]
    assert not copied.required


def test_copy_survey_needs_post(manager_client):
    survey = build_survey()

    response = manager_client.get(reverse("surveys:survey_copy", args=[survey.pk]))

    assert response.status_code == 405
    assert Survey.objects.count() == 1


def test_preview_shows_every_question(manager_client):
    survey = build_survey()

    response = manager_client.get(reverse("surveys:survey_preview", args=[survey.pk]))

    page = response.content.decode()
    for question in survey.questions.all():
        assert question.text in page
    assert "Portal" in page


def test_preview_checks_answers_saves_nothing(manager_client):
    survey = build_survey()
    url = reverse("surveys:survey_preview", args=[survey.pk])

    missing = manager_client.post(url, {"q0": "1"})
    valid = manager_client.post(url, valid_answers(survey), follow=True)

    assert missing.status_code == 400
    assert "Choose a score for this question." in missing.content.decode()
    assert valid.status_code == 200
    assert "These answers are valid. Nothing was saved." in valid.content.decode()
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


# Who reaches the builder
# ---------------------------------------------------------------------------

ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
BUILDERS = ALL_STAFF - {"lawyer"}

BUILDER_PAGES = [
    ("surveys:survey_list", False, "get", ALL_STAFF),
    ("surveys:survey_create", False, "get", BUILDERS),
    ("surveys:survey_detail", True, "get", ALL_STAFF),
    ("surveys:survey_edit", True, "get", BUILDERS),
    ("surveys:survey_preview", True, "get", ALL_STAFF),
    ("surveys:survey_copy", True, "post", BUILDERS),
    ("surveys:survey_delete", True, "get", BUILDERS),
    ("surveys:question_create", "survey", "get", BUILDERS),
    ("surveys:question_edit", "question", "get", BUILDERS),
    ("surveys:question_move", "question", "post", BUILDERS),
    ("surveys:question_delete", "question", "get", BUILDERS),
]


def builder_url(name, arguments, survey):
    question = survey.questions.first()
    if arguments == "survey":
        return reverse(name, args=[survey.pk])
    if arguments == "question":
        return reverse(name, args=[survey.pk, question.pk])
    return reverse(name, args=[survey.pk] if arguments else [])


def fetch(http, method, url):
    return http.post(url) if method == "post" else http.get(url)


@pytest.mark.parametrize(("name", "arguments", "method", "admitted"), BUILDER_PAGES)
def test_builder_pages_by_role(
    client,
    staff_users,
    portal_user,
    other_portal_user,
    name,
    arguments,
    method,
    admitted,
):
    survey = build_survey()
    url = builder_url(name, arguments, survey)

    anonymous = fetch(client, method, url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))

    for user in (portal_user, other_portal_user):
        client.force_login(user)
        assert fetch(client, method, url).status_code in (403, 404), user

    for role, user in staff_users.items():
        sign_in(client, user)
        status = fetch(client, method, url).status_code
        if role in admitted:
            assert status in (200, 302, 400), role
        else:
            assert status == 403, role
