from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("clients/", include("clients.urls")),
    path("portal/", include("feedback.urls")),
    path("surveys/", include("feedback.survey_urls")),
    path("service/", include("feedback.staff_urls")),
    path("kpis/", include("kpis.urls")),
    path("admin/", admin.site.urls),
]
