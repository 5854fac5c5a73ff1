"""Survey pages, mounted at /surveys/: staff pages, and the public answer pages.

The answer pages under ``answer/`` need no sign-in, because the token in the
address is the credential.
"""

from django.urls import path

from .surveys import (
    builder_views,
    public_views,
    result_views,
    round_views,
    you_said_views,
)

app_name = "surveys"

urlpatterns = [
    # Rounds
    path("", round_views.round_list, name="round_list"),
    path("rounds/new/", round_views.round_create, name="round_create"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", round_views.round_edit, name="round_edit"),
    path(
        "rounds/<int:pk>/delete/",
        round_views.RoundDeleteView.as_view(),
        name="round_delete",
    ),
    path("rounds/<int:pk>/launch/", round_views.round_launch, name="round_launch"),
    path("rounds/<int:pk>/pause/", round_views.round_pause, name="round_pause"),
    path("rounds/<int:pk>/resume/", round_views.round_resume, name="round_resume"),
    path("rounds/<int:pk>/close/", round_views.round_close, name="round_close"),
    path("rounds/<int:pk>/results/", result_views.round_results, name="results"),
    path(
        "rounds/<int:pk>/results.csv",
        result_views.round_export,
        {"file_type": "csv"},
        name="results_csv",
    ),
    path(
        "rounds/<int:pk>/results.xlsx",
        result_views.round_export,
        {"file_type": "xlsx"},
        name="results_xlsx",
    ),
    # The builder
    path("builder/", builder_views.survey_list, name="survey_list"),
    path("builder/new/", builder_views.survey_create, name="survey_create"),
    path("builder/<int:pk>/", builder_views.survey_detail, name="survey_detail"),
    path("builder/<int:pk>/edit/", builder_views.survey_edit, name="survey_edit"),
    path("builder/<int:pk>/copy/", builder_views.survey_copy, name="survey_copy"),
    path(
        "builder/<int:pk>/preview/",
        builder_views.survey_preview,
        name="survey_preview",
    ),
    path(
        "builder/<int:pk>/delete/",
        builder_views.SurveyDeleteView.as_view(),
        name="survey_delete",
    ),
    path(
        "builder/<int:survey_pk>/questions/new/",
        builder_views.question_create,
        name="question_create",
    ),
    path(
        "builder/<int:survey_pk>/questions/<int:pk>/edit/",
        builder_views.question_edit,
        name="question_edit",
    ),
    path(
        "builder/<int:survey_pk>/questions/<int:pk>/move/",
        builder_views.question_move,
        name="question_move",
    ),
    path(
        "builder/<int:survey_pk>/questions/<int:pk>/delete/",
        builder_views.question_delete,
        name="question_delete",
    ),
    # You said, we did
    path("you-said-we-did/", you_said_views.item_list, name="yswd_list"),
    path("you-said-we-did/new/", you_said_views.item_create, name="yswd_create"),
    path("you-said-we-did/<int:pk>/edit/", you_said_views.item_edit, name="yswd_edit"),
    path(
        "you-said-we-did/<int:pk>/delete/",
        you_said_views.ItemDeleteView.as_view(),
        name="yswd_delete",
    ),
    # Public pages, reached from survey emails and the client portal
    path("answer/<int:round_pk>/<str:token>/", public_views.answer, name="answer"),
    path(
        "answer/<int:round_pk>/<str:token>/thanks/",
        public_views.thanks,
        name="thanks",
    ),
    path(
        "answer/<int:round_pk>/<str:token>/opt-out/",
        public_views.opt_out,
        name="opt_out",
    ),
    path(
        "portal/<int:pk>/answer/",
        public_views.answer_from_portal,
        name="answer_from_portal",
    ),
]
