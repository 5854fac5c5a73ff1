"""Project middleware: request ids, the Permissions-Policy header, idle sign-out."""

import logging
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from .log import request_id_var

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept only if it is short and harmless in a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class RequestIdMiddleware:
    """Give each request an id, for every log record and the response header.

    The id is the request's ``X-Request-ID`` when it is a safe token (letters,
    digits, dots, hyphens and underscores, at most 128 characters), such as the
    one nginx sets, and a new uuid4 hex otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        if not SAFE_REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        # Left set after the response, because Django logs 4xx and 5xx
        # responses only once every middleware has returned.
        # end_request_id clears it when the response has been sent.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def end_request_id(sender, **kwargs):
    """Clear the request id once a response is sent.

    Connected to ``request_finished`` in ``crm_site.apps``.
    """
    request_id_var.set("-")


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header built from ``settings.PERMISSIONS_POLICY``.

    The setting maps each browser feature to the origins allowed to use it,
    and an empty list turns the feature off for every origin.
    https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Permissions-Policy
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.setdefault("Permissions-Policy", self.header)
        return response


class SessionIdleTimeoutMiddleware:
    """Sign out a user whose session has had no request for too long.

    The limit is ``SESSION_IDLE_TIMEOUT_MINUTES`` for staff and
    ``PORTAL_SESSION_IDLE_TIMEOUT_MINUTES`` for portal users. The time of the
    last request is stored in the session, rewritten at most once a
    minute so that a page does not write its session on every request. A
    session is therefore signed out between the limit and a minute after it.
    """

    LAST_ACTIVITY_KEY = "last_activity"
    RESOLUTION = timedelta(minutes=1)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)

        now = timezone.now().timestamp()
        last_activity = request.session.get(self.LAST_ACTIVITY_KEY)
        timeout = idle_timeout_for(user)
        if (
            last_activity is not None
            and now - last_activity > (timeout + self.RESOLUTION).total_seconds()
        ):
            return self.sign_out(request, timeout)

        if (
            last_activity is None
            or now - last_activity >= self.RESOLUTION.total_seconds()
        ):
            request.session[self.LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def sign_out(self, request, timeout):
        minutes = int(timeout.total_seconds() // 60)
        logger.info(
            "Signed out user %s after %s minutes without activity",
            request.user.pk,
            minutes,
        )
        # logout() flushes the session, so the old session key stops working.
        logout(request)
        messages.info(
            request, f"You were signed out after {minutes} minutes without activity."
        )
        if getattr(request, "htmx", False):
            # htmx would follow a redirect and swap the sign-in page into a
            # fragment, so HX-Redirect makes htmx load it as a whole page.
            next_path = request.htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(redirect_to_login(next_path).url)
        return redirect_to_login(request.get_full_path())


def idle_timeout_for(user) -> timedelta:
    """Return how long ``user``'s session may go without a request."""
    if user.is_portal_user:
        return timedelta(minutes=settings.PORTAL_SESSION_IDLE_TIMEOUT_MINUTES)
    return timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)


def record_sign_in_activity(sender, request, user, **kwargs):
    """Start the idle clock at sign-in, so that the first page need not save it.

    Connected to ``user_logged_in`` in ``crm_site.apps``.
    """
    if request is not None and hasattr(request, "session"):
        request.session[SessionIdleTimeoutMiddleware.LAST_ACTIVITY_KEY] = (
            timezone.now().timestamp()
        )
