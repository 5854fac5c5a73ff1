from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("new/", views.ClientCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ClientDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ClientUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ClientDeleteView.as_view(), name="delete"),
    path("<int:pk>/log/", views.QuickLogView.as_view(), name="quick_log"),
    path(
        "<int:client_pk>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact_create",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/edit/",
        views.ContactUpdateView.as_view(),
        name="contact_edit",
    ),
    path(
        "<int:client_pk>/contacts/<int:pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path(
        "<int:client_pk>/interactions/new/",
        views.InteractionCreateView.as_view(),
        name="interaction_create",
    ),
    path(
        "<int:client_pk>/interactions/<int:pk>/edit/",
        views.InteractionUpdateView.as_view(),
        name="interaction_edit",
    ),
    path(
        "<int:client_pk>/interactions/<int:pk>/delete/",
        views.InteractionDeleteView.as_view(),
        name="interaction_delete",
    ),
    path(
        "follow-ups/<int:pk>/done/",
        views.FollowUpDoneView.as_view(),
        name="follow_up_done",
    ),
]
