from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit trail"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import security  # noqa: F401  (connects the sign-in signals)
        from .roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="sync_role_groups")
