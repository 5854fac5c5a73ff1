"""The product's URLs plus the trivial view that measures the server's ceiling."""

from django.http import HttpResponse
from django.urls import path

from crm_site.urls import urlpatterns as product_urlpatterns


def trivial(request):
    """Return a fixed text without the database: the most a worker can serve."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial")]
urlpatterns += product_urlpatterns
