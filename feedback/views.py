from django.shortcuts import render

from accounts.access import portal_required
from accounts.models import PortalMembership


@portal_required
def home(request):
    memberships = (
        PortalMembership.objects.filter(user=request.user)
        .select_related("client")
        .order_by("client__name")
    )
    ctx = {"memberships": memberships}
    return render(request, "portal/home.html", ctx)
