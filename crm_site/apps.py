from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CrmSiteConfig(AppConfig):
    default = True
    name = "crm_site"
    verbose_name = "Legal CRM site"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished

        from .middleware import end_request_id, record_sign_in_activity

        user_logged_in.connect(record_sign_in_activity, dispatch_uid="idle-clock")
        request_finished.connect(end_request_id, dispatch_uid="end-request-id")


class CrmAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "crm_site.admin.CrmAdminSite"
