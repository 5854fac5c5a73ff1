from django.contrib import admin


class CrmAdminSite(admin.AdminSite):
    """The Django admin, open to administrators whose session is verified.

    Verified means a two-factor code was given at sign-in (django-otp's
    ``OTPMiddleware`` sets ``is_verified``), which administrators must use.
    """

    site_header = "Legal CRM administration"
    site_title = "Legal CRM admin"
    index_title = "Records and reference data"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and user.is_administrator
            and _is_verified(user)
        )


def _is_verified(user):
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
