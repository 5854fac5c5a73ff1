from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import forms, views, views_audit

app_name = "accounts"

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=forms.SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-in/code/", views.two_factor_verify, name="two_factor_verify"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("security/", views.account_security, name="security"),
    path(
        "security/two-factor/set-up/",
        views.two_factor_setup,
        name="two_factor_setup",
    ),
    path(
        "security/two-factor/turn-off/",
        views.two_factor_turn_off,
        name="two_factor_turn_off",
    ),
    path(
        "security/backup-codes/replace/",
        views.backup_codes_regenerate,
        name="backup_codes_regenerate",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns += [
    path("audit/", views_audit.AuditTrailView.as_view(), name="audit_trail"),
    # One name for both formats, so that templates reverse it with file_format.
    path(
        "audit/export.csv",
        views_audit.AuditTrailExportView.as_view(),
        {"file_format": "csv"},
        name="audit_export",
    ),
    path(
        "audit/export.xlsx",
        views_audit.AuditTrailExportView.as_view(),
        {"file_format": "xlsx"},
        name="audit_export",
    ),
]
