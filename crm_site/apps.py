from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CrmSiteConfig(AppConfig):
    default = True
    name = "crm_site"
    verbose_name = "Legal CRM site"


class CrmAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "crm_site.admin.CrmAdminSite"
