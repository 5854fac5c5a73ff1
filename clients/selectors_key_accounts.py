"""Read queries of the key account pages: ranking, health facts, relationships.

Figures over many rows are SQL aggregates, grouped or in correlated
subqueries, so each page makes a fixed number of queries however many
clients are behind it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User

from .health import HealthFacts, HealthRating, rate, thresholds
from .models import (
    Client,
    ClientPlan,
    Contact,
    Interaction,
    KeyAccount,
    Matter,
    PlanAction,
    RankingFigures,
    TimeEntry,
)
from .models.key_accounts import relationship_strength

RANKING_WINDOW_DAYS = 365


def _aggregate(queryset, function, field, output_field):
    """Return a correlated subquery of one aggregate over ``queryset``.

    The aggregate is written as a plain function so that the subquery has no
    GROUP BY and returns exactly one row, NULL when no rows match.
    """
    total = Func(F(field), function=function, output_field=output_field)
    return Subquery(
        queryset.order_by().annotate(total=total).values("total")[:1],
        output_field=output_field,
    )


def _latest_satisfaction(client_scope: Q):
    """Return a subquery of the latest response's average rating in ``client_scope``."""
    from feedback.models import Answer, Response

    rating_answers = Answer.objects.filter(
        response=OuterRef("pk"), question__kind="rating", score__isnull=False
    )
    latest = (
        Response.objects.filter(client_scope)
        .filter(Exists(rating_answers))
        .order_by("-submitted_on", "-pk")
        .values("pk")[:1]
    )
    answers = Answer.objects.filter(
        response=Subquery(latest), question__kind="rating", score__isnull=False
    )
    return _aggregate(answers, "AVG", "score", FloatField())


# Ranking
# ---------------------------------------------------------------------------

RANKING_SORTS = {
    "name": "name",
    "hours": "chargeable_minutes",
    "value": "recharge_value",
    "matters": "open_matters",
    "interactions": "interaction_count",
    "satisfaction": "last_satisfaction",
    "last_contact": "last_contact_at",
}
RANKING_FIGURES = [field for field in RANKING_SORTS.values() if field != "name"]


def ranking(*, search: str = "", sort: str = "-value"):
    """Return clients with their stored ranking figures, in ``sort`` order.

    The figures are those ``services_key_accounts.refresh_ranking_figures``
    last stored, one row per client, so the database sorts and pages a few
    thousand narrow rows however much time and contact lies behind them. A
    client added since then has no figures yet and appears after the next
    run. Empty figures come last in either direction, and ties go in name
    order.
    """
    figures = {name: F(f"ranking_figures__{name}") for name in RANKING_FIGURES}
    clients = (
        Client.objects.filter(ranking_figures__isnull=False)
        .select_related("parent", "key_account")
        .annotate(
            **figures,
            service_count=F("ranking_figures__service_count"),
            is_key_account=ExpressionWrapper(
                Q(key_account__isnull=False), output_field=BooleanField()
            ),
        )
    )
    if search.strip():
        clients = clients.filter(name__icontains=search.strip())
    return clients.order_by(*_ranking_order(sort))


def _ranking_order(sort: str) -> list:
    descending = sort.startswith("-")
    field = RANKING_SORTS.get(sort.lstrip("-"))
    if field is None:
        field, descending = "recharge_value", True
    if field == "name":
        return ["-name", "-pk"] if descending else ["name", "pk"]
    if descending:
        return [F(field).desc(nulls_last=True), "name", "pk"]
    return [F(field).asc(nulls_last=True), "name", "pk"]


def ranking_worked_out() -> dict | None:
    """Return when the stored figures were worked out and the days they cover.

    Returns None before the first run.
    """
    return (
        RankingFigures.objects.order_by("computed_at")
        .values("computed_at", "window_start", "window_end")
        .first()
    )


def ranking_window(today: date) -> tuple[date, date]:
    """Return the first and last days of the ranking's 12 months to ``today``."""
    return today - timedelta(days=RANKING_WINDOW_DAYS - 1), today


def ranking_figures(*, today: date) -> dict[int, dict]:
    """Return every client's ranking figures as of ``today``, by client id.

    A directorate's figures include those of its services, so both a
    directorate and each of its services have figures. Each figure is one
    grouped query over all clients, so the number of queries is the same
    however many clients there are.
    """
    clients = list(Client.objects.order_by("pk").values_list("pk", "parent"))
    services = defaultdict(list)
    for pk, parent_id in clients:
        if parent_id is not None:
            services[parent_id].append(pk)
    own = _own_figures(first_day=ranking_window(today)[0])
    return {
        pk: _family_figures(own, [pk, *services[pk]])
        | {"service_count": len(services[pk])}
        for pk, _parent_id in clients
    }


def _own_figures(*, first_day: date) -> dict[str, dict[int, object]]:
    """Return each figure of each client's own rows, without its services'."""
    time = (
        TimeEntry.objects.filter(is_chargeable=True, worked_on__gte=first_day)
        .order_by()
        .values_list("matter__client")
        .annotate(minutes=Sum("minutes"), amount=Sum("amount"))
    )
    matters = (
        Matter.objects.filter(status=Matter.Status.OPEN)
        .order_by()
        .values_list("client")
        .annotate(count=Count("pk"))
    )
    contacts = (
        Interaction.objects.order_by()
        .values_list("client")
        .annotate(
            recent=Count("pk", filter=Q(occurred_at__date__gte=first_day)),
            last=Max("occurred_at"),
        )
    )
    minutes, amounts = {}, {}
    for client_id, client_minutes, amount in time:
        minutes[client_id], amounts[client_id] = client_minutes, amount
    recent, last = {}, {}
    for client_id, count, latest in contacts:
        recent[client_id], last[client_id] = count, latest
    return {
        "chargeable_minutes": minutes,
        "recharge_value": amounts,
        "open_matters": dict(matters),
        "interaction_count": recent,
        "last_contact_at": last,
        "latest_response": _latest_rated_responses(),
    }


def _latest_rated_responses() -> dict[int, tuple]:
    """Return ``{client id: (submitted on, id, average rating)}`` of its latest
    response with a rating answer."""
    from feedback.models import Answer, Response

    ratings = Answer.objects.filter(question__kind="rating", score__isnull=False)
    latest = (
        Response.objects.filter(Exists(ratings.filter(response=OuterRef("pk"))))
        .order_by()
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("client")],
                order_by=[F("submitted_on").desc(), F("pk").desc()],
            )
        )
        .filter(place=1)
        .values("pk")
    )
    latest = (
        ratings.filter(response__in=latest)
        .order_by()
        .values_list("response__client", "response__submitted_on", "response")
        .annotate(average=Avg("score", output_field=FloatField()))
    )
    return {client_id: tuple(rest) for client_id, *rest in latest}


def _family_figures(own: dict, family: list[int]) -> dict:
    """Combine the own figures of a client and its services."""

    def total(figure, zero):
        return sum((own[figure].get(pk) or zero for pk in family), zero)

    contacts = [
        own["last_contact_at"][pk] for pk in family if pk in own["last_contact_at"]
    ]
    responses = [
        own["latest_response"][pk] for pk in family if pk in own["latest_response"]
    ]
    return {
        "chargeable_minutes": total("chargeable_minutes", 0),
        "recharge_value": total("recharge_value", Decimal("0")),
        "open_matters": total("open_matters", 0),
        "interaction_count": total("interaction_count", 0),
        "last_contact_at": max(contacts, default=None),
        "last_satisfaction": max(responses)[2] if responses else None,
    }


# Key accounts and their health
# ---------------------------------------------------------------------------


def actions_in_force():
    """Actions of each period's agreed plan, or of its draft if none is agreed.

    A revision copies the agreed plan's actions into its draft, so counting
    both would count each action twice.
    """
    agreed = ClientPlan.objects.filter(
        key_account=OuterRef("plan__key_account"),
        period_start=OuterRef("plan__period_start"),
        status=ClientPlan.Status.AGREED,
    )
    return PlanAction.objects.filter(
        Q(plan__status=ClientPlan.Status.AGREED)
        | Q(plan__status=ClientPlan.Status.DRAFT) & ~Exists(agreed)
    )


def key_accounts_with_facts(*, today: date):
    """Return key accounts annotated with the inputs of the health rules."""
    limits = thresholds()
    promise_since = today - timedelta(days=limits["missed_promises_window_days"])
    from feedback.models import Feedback

    complaints = Feedback.objects.filter(
        client=OuterRef("client"), kind=Feedback.Kind.COMPLAINT
    ).exclude(status=Feedback.Status.RESOLVED)
    overdue = actions_in_force().overdue(today).filter(plan__key_account=OuterRef("pk"))
    missed = Matter.objects.promise_missed(today).filter(
        client=OuterRef("client"), target_date__gt=promise_since
    )
    contacts = Interaction.objects.filter(client=OuterRef("client"))
    return (
        KeyAccount.objects.select_related("client", "owner", "sponsor")
        .annotate(
            last_contact_at=_aggregate(contacts, "MAX", "occurred_at", None),
            open_complaints=Coalesce(
                _aggregate(complaints, "COUNT", "pk", IntegerField()), 0
            ),
            overdue_actions=Coalesce(
                _aggregate(overdue, "COUNT", "pk", IntegerField()), 0
            ),
            missed_promises=Coalesce(
                _aggregate(missed, "COUNT", "pk", IntegerField()), 0
            ),
            last_satisfaction=_latest_satisfaction(
                Q(client=OuterRef(OuterRef("client")))
            ),
        )
        .order_by("client__name", "pk")
    )


def health_facts(account: KeyAccount, *, today: date) -> HealthFacts:
    """Build the rules' input from an account of ``key_accounts_with_facts``."""
    last_contact = account.last_contact_at
    return HealthFacts(
        today=today,
        contact_frequency_days=account.contact_frequency_days,
        last_contact_on=timezone.localtime(last_contact).date()
        if last_contact
        else None,
        last_satisfaction=account.last_satisfaction,
        open_complaints=account.open_complaints,
        overdue_actions=account.overdue_actions,
        missed_promises=account.missed_promises,
        next_review_on=account.next_review_on,
    )


def health_of(account: KeyAccount, *, today: date) -> HealthRating:
    return rate(health_facts(account, today=today))


KEY_ACCOUNT_SORTS = {
    "client": "client__name",
    "tier": "tier",
    "owner": "owner__full_name",
    "review": "next_review_on",
    "health": "health_order",
}


def key_account_list(*, today: date, search: str = "", sort: str = "client"):
    accounts = key_accounts_with_facts(today=today).annotate(
        health_order=Case(
            When(health="red", then=Value(0)),
            When(health="amber", then=Value(1)),
            When(health="green", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )
    if search.strip():
        accounts = accounts.filter(client__name__icontains=search.strip())
    field = KEY_ACCOUNT_SORTS.get(sort.lstrip("-"), "client__name")
    order = f"-{field}" if sort.startswith("-") else field
    return accounts.order_by(order, "client__name", "pk")


def key_account_for_page(pk: int, *, today: date) -> KeyAccount:
    plans = ClientPlan.objects.order_by("-period_start", "-version")
    return (
        key_accounts_with_facts(today=today)
        .prefetch_related(
            Prefetch("team", queryset=User.objects.order_by("full_name")),
            Prefetch("plans", queryset=plans),
        )
        .get(pk=pk)
    )


# Plans
# ---------------------------------------------------------------------------


def plan_for_page(pk: int) -> ClientPlan:
    return (
        ClientPlan.objects.select_related(
            "key_account__client",
            "key_account__owner",
            "key_account__sponsor",
            "agreed_by",
            "previous_version",
        )
        .prefetch_related(
            Prefetch("objectives", queryset=_objectives()),
            Prefetch("needs", queryset=_needs()),
            Prefetch("actions", queryset=PlanAction.objects.select_related("owner")),
        )
        .get(pk=pk)
    )


def _objectives():
    from .models import PlanObjective

    return PlanObjective.objects.select_related("aim")


def _needs():
    from .models import PlanNeed

    return PlanNeed.objects.select_related("source_interaction")


def agreed_plan_for_client(client: Client) -> ClientPlan | None:
    """Return the client's agreed plan of the latest period, or None."""
    return (
        ClientPlan.objects.filter(
            key_account__client=client, status=ClientPlan.Status.AGREED
        )
        .order_by("-period_start")
        .first()
    )


def draft_plans_for_client(client_id: int):
    return ClientPlan.objects.filter(
        key_account__client_id=client_id, status=ClientPlan.Status.DRAFT
    ).select_related("key_account__client")


# Relationships
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    staff: User
    contact: Contact
    strength: float
    contact_count: int
    last_contact_at: object

    @property
    def is_strong(self) -> bool:
        return self.strength >= settings.RELATIONSHIP_STRONG_MIN


def _relationships(interaction_links, *, today: date) -> list[Relationship]:
    """Group (staff, contact, time) rows into relationships, strongest first."""
    moments = defaultdict(list)
    for staff_id, contact_id, occurred_at in interaction_links:
        moments[(staff_id, contact_id)].append(occurred_at)
    if not moments:
        return []

    staff = User.objects.in_bulk({staff_id for staff_id, _ in moments})
    contacts = Contact.objects.select_related("client").in_bulk(
        {contact_id for _, contact_id in moments}
    )
    half_life = settings.RELATIONSHIP_HALF_LIFE_DAYS
    relationships = [
        Relationship(
            staff=staff[staff_id],
            contact=contacts[contact_id],
            strength=relationship_strength(
                times, today=today, half_life_days=half_life
            ),
            contact_count=len(times),
            last_contact_at=max(times),
        )
        for (staff_id, contact_id), times in moments.items()
    ]
    relationships.sort(
        key=lambda r: (-r.strength, r.staff.full_name, r.contact.full_name)
    )
    return relationships


def _links(interactions):
    return Interaction.contacts.through.objects.filter(
        interaction__in=interactions
    ).values_list("interaction__staff_id", "contact_id", "interaction__occurred_at")


def _lookback(today: date):
    # Four half-lives back, beyond which a contact adds under a sixteenth.
    return today - timedelta(days=4 * settings.RELATIONSHIP_HALF_LIFE_DAYS)


def relationships_for_client(client: Client, *, today: date) -> list[Relationship]:
    """Return each staff member and contact pair at ``client``, strongest first."""
    interactions = Interaction.objects.filter(
        client=client, occurred_at__date__gte=_lookback(today)
    )
    return _relationships(_links(interactions), today=today)


def strong_relationships_of(user: User, *, today: date) -> list[Relationship]:
    """Return the staff member's strong relationships with client contacts."""
    interactions = Interaction.objects.filter(
        staff=user, occurred_at__date__gte=_lookback(today)
    )
    relationships = _relationships(_links(interactions), today=today)
    return [relationship for relationship in relationships if relationship.is_strong]


def accounts_of(user: User):
    """Return the key accounts the user owns, sponsors or is in the team of."""
    return (
        KeyAccount.objects.filter(Q(owner=user) | Q(sponsor=user) | Q(team=user))
        .select_related("client", "owner", "sponsor")
        .distinct()
        .order_by("client__name")
    )


def leavers(*, today: date):
    """Return staff whose leave date is set and not more than 90 days past."""
    return (
        User.objects.filter(
            profile__leave_date__isnull=False,
            profile__leave_date__gte=today - timedelta(days=90),
        )
        .select_related("profile")
        .annotate(
            owned_accounts=Count("owned_key_accounts", distinct=True),
            sponsored_accounts=Count("sponsored_key_accounts", distinct=True),
        )
        .order_by("profile__leave_date", "full_name")
    )
