from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.access import check_staff_access
from clients import selectors

from . import health as health_checks

HOME_LIST_LIMIT = 10


def home(request):
    """Show the staff home page: my clients, my follow-ups, my team's recent work."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_portal_user:
        return redirect("portal:home")
    check_staff_access(request.user)

    today = timezone.localdate()
    follow_ups = list(selectors.follow_ups_for(request.user, today=today))
    ctx = {
        "today": today,
        "overdue": [item for item in follow_ups if item.follow_up_due < today],
        "due_today": [item for item in follow_ups if item.follow_up_due == today],
        "coming_up": [item for item in follow_ups if item.follow_up_due > today],
        "my_clients": selectors.owned_clients(request.user)[:HOME_LIST_LIMIT],
        "my_client_count": selectors.owned_clients(request.user).count(),
        "team_interactions": selectors.recent_team_interactions(
            request.user, limit=HOME_LIST_LIMIT
        ),
    }
    return render(request, "home.html", ctx)


@require_safe
@never_cache
def health(request):
    """Report the database, the broker and the scheduler, for monitoring.

    The status is 200 when every check is "ok" and 503 when any has "failed".
    It needs no sign-in, so the body holds no detail beyond that.
    """
    age = health_checks.scheduler_age_seconds()
    checks = {
        "database": health_checks.check_database(),
        "broker": health_checks.check_broker(),
        "scheduler": health_checks.check_scheduler(age),
    }
    healthy = all(result == health_checks.OK for result in checks.values())
    body = {
        "status": health_checks.OK if healthy else health_checks.FAILED,
        "checks": checks,
        "scheduler_age_seconds": age,
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_safe
def favicon(request):
    """Redirect /favicon.ico, which browsers request on pages without an icon
    link (the Django admin's), to the site's SVG icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
