from django.contrib import admin


class CrmAdminSite(admin.AdminSite):
    """The Django admin, open to administrators only."""

    site_header = "Legal CRM administration"
    site_title = "Legal CRM admin"
    index_title = "Records and reference data"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and user.is_administrator
