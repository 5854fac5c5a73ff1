from django.urls import path, register_converter

from . import (
    views,
    views_exports,
    views_imports,
    views_key_accounts,
    views_matters,
    views_recharges,
    views_timesheet,
)
from .privacy import views as privacy_views

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("new/", views.ClientCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ClientDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ClientUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ClientDeleteView.as_view(), name="delete"),
    path("<int:pk>/log/", views.QuickLogView.as_view(), name="quick_log"),
    path(
        "<int:client_pk>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact_create",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/edit/",
        views.ContactUpdateView.as_view(),
        name="contact_edit",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path(
        "<int:client_pk>/interactions/new/",
        views.InteractionCreateView.as_view(),
        name="interaction_create",
    ),
    path(
        "<int:client_pk>/interactions/<int:pk>/edit/",
        views.InteractionUpdateView.as_view(),
        name="interaction_edit",
    ),
    path(
        "<int:client_pk>/interactions/<int:pk>/delete/",
        views.InteractionDeleteView.as_view(),
        name="interaction_delete",
    ),
    path(
        "follow-ups/<int:pk>/done/",
        views.FollowUpDoneView.as_view(),
        name="follow_up_done",
    ),
]


# Matters, time, recharges and imports
# ---------------------------------------------------------------------------


class ExportFormatConverter:
    """The file format of a download: ``csv`` or ``xlsx``."""

    regex = "csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "export")

urlpatterns += [
    path("matters/", views_matters.MatterListView.as_view(), name="matter_list"),
    path(
        "matters/export.<export:file_format>",
        views_matters.MatterExportView.as_view(),
        name="matter_export",
    ),
    path(
        "matters/new/", views_matters.MatterCreateView.as_view(), name="matter_create"
    ),
    path("matters/due/", views_matters.PromisesDueView.as_view(), name="promises_due"),
    path(
        "matters/due/export.<export:file_format>",
        views_matters.PromisesDueView.as_view(),
        name="promises_due_export",
    ),
    path(
        "matters/<int:pk>/",
        views_matters.MatterDetailView.as_view(),
        name="matter_detail",
    ),
    path(
        "matters/<int:pk>/edit/",
        views_matters.MatterUpdateView.as_view(),
        name="matter_edit",
    ),
    path(
        "matters/<int:pk>/close/",
        views_matters.MatterCloseView.as_view(),
        name="matter_close",
    ),
    path(
        "matters/<int:pk>/status/",
        views_matters.MatterStatusView.as_view(),
        name="matter_status",
    ),
    path(
        "matters/<int:pk>/promise/",
        views_matters.PromiseMetView.as_view(),
        name="matter_promise",
    ),
    path(
        "matters/<int:pk>/time/",
        views_matters.QuickTimeView.as_view(),
        name="matter_quick_time",
    ),
    path(
        "time/<int:pk>/edit/",
        views_matters.TimeEntryUpdateView.as_view(),
        name="time_entry_edit",
    ),
    path(
        "time/<int:pk>/delete/",
        views_matters.TimeEntryDeleteView.as_view(),
        name="time_entry_delete",
    ),
]

urlpatterns += [
    path("timesheet/", views_timesheet.TimesheetView.as_view(), name="timesheet"),
]

urlpatterns += [
    path(
        "recharges/",
        views_recharges.StatementListView.as_view(),
        name="statement_list",
    ),
    path(
        "recharges/export.<export:file_format>",
        views_recharges.StatementListExportView.as_view(),
        name="statement_list_export",
    ),
    path(
        "recharges/draft/",
        views_recharges.DraftStatementsView.as_view(),
        name="statement_draft",
    ),
    path(
        "recharges/<int:pk>/",
        views_recharges.StatementDetailView.as_view(),
        name="statement_detail",
    ),
    path(
        "recharges/<int:pk>/print/",
        views_recharges.StatementPrintView.as_view(),
        name="statement_print",
    ),
    path(
        "recharges/<int:pk>/issue/",
        views_recharges.StatementIssueView.as_view(),
        name="statement_issue",
    ),
    path(
        "recharges/<int:pk>/delete/",
        views_recharges.StatementDeleteView.as_view(),
        name="statement_delete",
    ),
    path(
        "recharges/<int:pk>/statement.<export:file_format>",
        views_recharges.StatementExportView.as_view(),
        name="statement_export",
    ),
]

urlpatterns += [
    path("imports/", views_imports.ImportListView.as_view(), name="import_list"),
    path(
        "imports/new/", views_imports.ImportCreateView.as_view(), name="import_create"
    ),
    path(
        "imports/templates/<str:kind>.<export:file_format>",
        views_imports.ImportTemplateView.as_view(),
        name="import_template",
    ),
    path(
        "imports/<int:pk>/",
        views_imports.ImportDetailView.as_view(),
        name="import_detail",
    ),
    path(
        "imports/<int:pk>/progress/",
        views_imports.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path(
        "imports/<int:pk>/columns/",
        views_imports.ImportMappingView.as_view(),
        name="import_mapping",
    ),
    path(
        "imports/<int:pk>/apply/",
        views_imports.ImportApplyView.as_view(),
        name="import_apply",
    ),
    path(
        "imports/<int:pk>/cancel/",
        views_imports.ImportCancelView.as_view(),
        name="import_cancel",
    ),
    path(
        "imports/<int:pk>/retry/",
        views_imports.ImportRetryView.as_view(),
        name="import_retry",
    ),
    path(
        "imports/<int:pk>/problems.<export:file_format>",
        views_imports.ImportIssuesExportView.as_view(),
        name="import_issues_export",
    ),
]


# Key accounts, client plans and relationships
# ---------------------------------------------------------------------------

urlpatterns += [
    path(
        "key-accounts/",
        views_key_accounts.KeyAccountListView.as_view(),
        name="key_account_list",
    ),
    path(
        "key-accounts/ranking/",
        views_key_accounts.RankingView.as_view(),
        name="key_account_ranking",
    ),
    path(
        "key-accounts/ranking/refresh/",
        views_key_accounts.RankingRefreshView.as_view(),
        name="key_account_ranking_refresh",
    ),
    path(
        "key-accounts/leavers/",
        views_key_accounts.LeaverListView.as_view(),
        name="leaver_list",
    ),
    path(
        "key-accounts/leavers/<int:pk>/",
        views_key_accounts.HandoverView.as_view(),
        name="handover",
    ),
    path(
        "<int:client_pk>/key-account/new/",
        views_key_accounts.KeyAccountCreateView.as_view(),
        name="key_account_create",
    ),
    path(
        "<int:client_pk>/relationships/",
        views_key_accounts.RelationshipsView.as_view(),
        name="relationships",
    ),
    path(
        "key-accounts/<int:pk>/",
        views_key_accounts.KeyAccountDetailView.as_view(),
        name="key_account_detail",
    ),
    path(
        "key-accounts/<int:pk>/edit/",
        views_key_accounts.KeyAccountUpdateView.as_view(),
        name="key_account_edit",
    ),
    path(
        "key-accounts/<int:pk>/reviewed/",
        views_key_accounts.KeyAccountReviewedView.as_view(),
        name="key_account_reviewed",
    ),
    path(
        "key-accounts/<int:pk>/plans/new/",
        views_key_accounts.PlanStartView.as_view(),
        name="plan_start",
    ),
    path(
        "plans/<int:pk>/",
        views_key_accounts.PlanDetailView.as_view(),
        name="plan_detail",
    ),
    path(
        "plans/<int:pk>/edit/",
        views_key_accounts.PlanUpdateView.as_view(),
        name="plan_edit",
    ),
    path(
        "plans/<int:pk>/agree/",
        views_key_accounts.PlanAgreeView.as_view(),
        name="plan_agree",
    ),
    path(
        "plans/<int:pk>/revise/",
        views_key_accounts.PlanReviseView.as_view(),
        name="plan_revise",
    ),
    path(
        "plans/<int:pk>/changes/",
        views_key_accounts.PlanDiffView.as_view(),
        name="plan_diff",
    ),
    path(
        "plans/<int:pk>/print/",
        views_key_accounts.PlanPrintView.as_view(),
        name="plan_print",
    ),
    path(
        "plans/<int:pk>/<str:kind>/add/",
        views_key_accounts.PlanItemCreateView.as_view(),
        name="plan_item_add",
    ),
    path(
        "plans/<str:kind>/<int:pk>/delete/",
        views_key_accounts.PlanItemDeleteView.as_view(),
        name="plan_item_delete",
    ),
    path(
        "plan-actions/<int:pk>/status/",
        views_key_accounts.ActionStatusView.as_view(),
        name="plan_action_status",
    ),
    path(
        "interactions/<int:pk>/needs/",
        views_key_accounts.NeedsFromInteractionView.as_view(),
        name="needs_from_interaction",
    ),
]

urlpatterns += [
    path(
        "export.<export:file_format>",
        views_exports.ClientExportView.as_view(),
        name="client_export",
    ),
    path(
        "matters/<int:pk>/time.<export:file_format>",
        views_exports.MatterTimeExportView.as_view(),
        name="matter_time_export",
    ),
    path(
        "imports/export.<export:file_format>",
        views_exports.ImportListExportView.as_view(),
        name="import_list_export",
    ),
]


# Data protection: legal holds, subject access exports and erasure
# ---------------------------------------------------------------------------

urlpatterns += [
    path(
        "<int:pk>/legal-hold/",
        privacy_views.ClientLegalHoldView.as_view(),
        name="client_legal_hold",
    ),
    path(
        "matters/<int:pk>/legal-hold/",
        privacy_views.MatterLegalHoldView.as_view(),
        name="matter_legal_hold",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/legal-hold/",
        privacy_views.ContactLegalHoldView.as_view(),
        name="contact_legal_hold",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/export/",
        privacy_views.ContactExportView.as_view(),
        name="contact_export",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/erase/",
        privacy_views.ContactErasureView.as_view(),
        name="contact_erase",
    ),
]
