"""The product's URLs plus the trivial views that measure the server's ceiling."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from crm_site.urls import urlpatterns as product_urlpatterns


def trivial(request):
    """Return a fixed text without the database: the most a worker can serve."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def signed_in_trivial(request):
    """Return a fixed text to a signed-in user: the most any page of theirs can serve.

    The middleware still loads the session, the user and its roles, as it
    does before every page.
    """
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/signed-in/", signed_in_trivial, name="bench_signed_in"),
]
urlpatterns += product_urlpatterns
