from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.PortalSignInView.as_view(), name="sign_in"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("guidance/", views.guidance_list, name="guidance"),
    path(
        "guidance/category/<slug:category_slug>/",
        views.guidance_list,
        name="guidance_category",
    ),
    path("guidance/<slug:slug>/", views.article_detail, name="article"),
    path("guidance/<slug:slug>/helpful/", views.article_vote, name="article_vote"),
    path("matters/", views.matter_list, name="matters"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("feedback/new/", views.feedback_new, name="feedback_new"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
]
