from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.<str:file_format>", views.overview_export, name="overview_export"),
    path("recompute/", views.recompute, name="recompute"),
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
    path("scorecards/my-team/", views.my_team_scorecard, name="my_team_scorecard"),
    path("scorecards/team/<int:team_id>/", views.team_scorecard, name="team_scorecard"),
    path(
        "scorecards/key-account/<int:account_id>/",
        views.key_account_scorecard,
        name="key_account_scorecard",
    ),
    path("costs/", views.costs, name="costs"),
    path("benchmarks/import/", views.benchmark_import, name="benchmark_import"),
    path("<slug:code>/", views.detail, name="detail"),
    path(
        "<slug:code>/export.<str:file_format>",
        views.detail_export,
        name="detail_export",
    ),
    path("<slug:code>/rows/", views.rows, name="rows"),
    path("<slug:code>/enter/", views.enter_value, name="enter_value"),
    path("<slug:code>/benchmarks/add/", views.benchmark_add, name="benchmark_add"),
]
