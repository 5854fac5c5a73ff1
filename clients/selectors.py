"""Read queries shared by the client pages and the staff home page.

Each returns a queryset whose query count does not grow with the rows it
covers: related rows come through ``select_related``, ``prefetch_related``
or annotations.
"""

import datetime as dt

import django_filters
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from .forms import StaffChoiceFilter
from .models import Client, Contact, Interaction


def clients_with_activity():
    # A subquery on the (client, -occurred_at) index instead of a join and
    # GROUP BY over every interaction, so that counting the list needs no
    # grouping and PostgreSQL reads it only for the page's clients.
    latest = Interaction.objects.filter(client=OuterRef("pk")).order_by("-occurred_at")
    return Client.objects.select_related("relationship_owner", "parent").annotate(
        last_contact_at=Subquery(latest.values("occurred_at")[:1]),
    )


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Client or contact name"
    )
    kind = django_filters.ChoiceFilter(
        choices=Client.Kind.choices, empty_label="Any kind"
    )
    status = django_filters.ChoiceFilter(
        choices=Client.Status.choices, empty_label="Any status"
    )
    owner = StaffChoiceFilter(
        field_name="relationship_owner",
        named_in_model=Client,
        label="Owner",
        empty_label="Anyone",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("status", "status"),
            ("relationship_owner__full_name", "owner"),
            ("last_contact_at", "last_contact"),
        ),
        field_labels={
            "name": "Name",
            "kind": "Kind",
            "status": "Status",
            "relationship_owner__full_name": "Owner",
            "last_contact_at": "Last contact",
        },
    )

    class Meta:
        model = Client
        fields = ["q", "kind", "status", "owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Exists rather than a join, so that a client with two matching
        # contacts appears once.
        contact_matches = Contact.objects.filter(
            client=OuterRef("pk"), full_name__icontains=value
        )
        return queryset.filter(Q(name__icontains=value) | Exists(contact_matches))

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("name")
        # A stable tiebreak, so that paging never shows a row twice.
        return queryset.order_by(*queryset.query.order_by, "pk")


def client_for_page(pk):
    return (
        Client.objects.select_related("relationship_owner", "parent")
        .prefetch_related(
            "tags",
            Prefetch("children", queryset=Client.objects.order_by("name")),
        )
        .annotate(interaction_count=Count("interactions", distinct=True))
        .get(pk=pk)
    )


def interactions_for_timeline(queryset):
    return queryset.select_related("staff", "client").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("full_name"))
    )


def client_timeline(client):
    return interactions_for_timeline(client.interactions.all())


def follow_ups_for(user, *, today: dt.date, days_ahead: int = 7):
    """Open follow-ups of ``user`` due up to ``days_ahead`` days from today."""
    return (
        Interaction.objects.follow_ups_due_by(today + dt.timedelta(days=days_ahead))
        .filter(staff=user)
        .select_related("client")
        .order_by("follow_up_due", "pk")
    )


def owned_clients(user):
    return clients_with_activity().filter(relationship_owner=user).order_by("name")


def recent_team_interactions(user, *, limit: int = 10):
    """The latest interactions of the user's team, or the user's own if none."""
    team_id = getattr(getattr(user, "profile", None), "team_id", None)
    if team_id is None:
        interactions = Interaction.objects.filter(staff=user)
    else:
        interactions = Interaction.objects.filter(staff__profile__team_id=team_id)
    return interactions_for_timeline(interactions.order_by("-occurred_at", "-pk"))[
        :limit
    ]
