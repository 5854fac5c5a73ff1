"""Who may reach which page.

Staff pages admit members of the legal service and send everyone else away:
anonymous visitors to the sign-in page, portal users to a 403 page. Portal
pages admit client (portal) users only.
"""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


def check_staff_access(user, permissions=()):
    """Raise ``PermissionDenied`` unless ``user`` is staff with ``permissions``."""
    if not user.is_legal_staff:
        raise PermissionDenied("This page is for members of the legal service.")
    if permissions and not user.has_perms(permissions):
        raise PermissionDenied("Your role does not allow this.")


class StaffRequiredMixin(AccessMixin):
    """Admit members of the legal service who hold ``permission_required``."""

    permission_required = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        check_staff_access(request.user, self.get_permission_required())
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        if isinstance(self.permission_required, str):
            return (self.permission_required,)
        return tuple(self.permission_required)


def staff_required(*permissions):
    """Decorate a function view with the checks of ``StaffRequiredMixin``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_staff_access(request.user, permissions)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def portal_required(view):
    """Admit client (portal) users only.

    Anonymous visitors go to the portal sign-in page, where clients sign in.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("portal:sign_in")
            )
        if not request.user.is_portal_user:
            raise PermissionDenied("This page is for client portal users.")
        return view(request, *args, **kwargs)

    return wrapped
