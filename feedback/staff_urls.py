"""Staff pages for the client portal, mounted at /service/."""

from django.urls import path

from . import staff_views as views

app_name = "feedback_staff"

urlpatterns = [
    path("articles/", views.article_list, name="article_list"),
    path("articles/new/", views.article_create, name="article_create"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path(
        "articles/<int:pk>/delete/",
        views.ArticleDeleteView.as_view(),
        name="article_delete",
    ),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("feedback/", views.feedback_queue_page, name="feedback_queue"),
    path("feedback/new/", views.feedback_log, name="feedback_log"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path(
        "feedback/<int:pk>/<str:action>/",
        views.feedback_action,
        name="feedback_action",
    ),
    path(
        "clients/<int:client_pk>/contacts/<int:pk>/invite/",
        views.invite_contact,
        name="invite_contact",
    ),
    path("view-as/", views.view_as_start, name="view_as_start"),
    path("view-as/stop/", views.view_as_stop, name="view_as_stop"),
]
