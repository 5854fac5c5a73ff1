"""The one layer through which every client portal page reads data.

A ``PortalScope`` is built for each portal request from the signed-in user's
``PortalMembership`` rows and the organisation selected in the session. Its
methods return querysets already limited to that organisation, so a view
that uses only them cannot show another organisation's records, whatever ids
arrive in the URL, the query string or a form.

Staff with the ``feedback.view_portal_as_client`` permission can look at the
portal as a chosen organisation, optionally through one of its portal users.
The scope is then read only: ``portal_view`` rejects every request that is
not a GET or HEAD, and records each page viewed in the audit trail.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEvent, User
from accounts.roles import Role
from clients.models import Client, ClientPlan, Matter, PlanAction

from .models import (
    Article,
    ArticleCategory,
    ArticleVote,
    Feedback,
    Invitation,
    YouSaidWeDid,
)
from .surveys.selectors import surveys_waiting_for, you_said_we_did_for

SESSION_CLIENT_KEY = "portal_client_id"
SESSION_VIEW_AS_KEY = "portal_view_as"
VIEW_AS_PERMISSION = "feedback.view_portal_as_client"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class PortalScope:
    """The organisations and records that one portal request may see.

    ``user`` is the portal user whose portal this is, or ``None`` when staff
    view the portal as an organisation without choosing one of its users.
    ``viewer`` is the member of staff viewing as a client, or ``None``.
    ``client`` is ``None`` only for a portal user linked to no organisation.
    """

    user: User | None
    client: Client | None
    clients: tuple[Client, ...]
    viewer: User | None = None

    @property
    def read_only(self) -> bool:
        return self.viewer is not None

    # Guidance

    def articles(self) -> QuerySet[Article]:
        """Published articles written for the selected organisation's kind."""
        if self.client is None:
            return Article.objects.none()
        return (
            Article.objects.published()
            .for_client_kind(self.client.kind)
            .select_related("category")
        )

    def article(self, slug: str) -> Article:
        return _get_or_404(self.articles(), slug=slug)

    def categories(self) -> QuerySet[ArticleCategory]:
        """Categories with at least one article this organisation may read."""
        visible = self.articles().filter(category=OuterRef("pk"))
        return (
            ArticleCategory.objects.filter(Exists(visible))
            .annotate(
                article_count=Count(
                    "articles",
                    filter=Q(articles__in=self.articles().values("pk")),
                    distinct=True,
                )
            )
            .order_by("position", "name")
        )

    def category(self, slug: str) -> ArticleCategory:
        return _get_or_404(self.categories(), slug=slug)

    def search_articles(self, text: str) -> QuerySet[Article]:
        text = text.strip()
        if not text:
            return self.articles()
        return self.articles().filter(
            Q(title__icontains=text)
            | Q(summary__icontains=text)
            | Q(body__icontains=text)
        )

    def related_articles(self, kind: str, limit: int = 3) -> list[Article]:
        """Guidance to suggest beside a feedback form of ``kind``."""
        words = RELATED_GUIDANCE_WORDS.get(kind, ())
        matches = Q(pk__in=[])
        for word in words:
            matches |= Q(title__icontains=word) | Q(summary__icontains=word)
        return list(self.articles().filter(matches).order_by("title")[:limit])

    def vote(self, article: Article) -> ArticleVote | None:
        if self.user is None:
            return None
        return ArticleVote.objects.filter(article=article, user=self.user).first()

    # Feedback

    def feedback(self) -> QuerySet[Feedback]:
        """Feedback sent through the portal for the selected organisation.

        A portal user sees what they sent themselves. Staff viewing as an
        organisation, with no user chosen, see what all its users sent.
        Feedback logged by staff from a call or letter is not shown.
        """
        if self.client is None:
            return Feedback.objects.none()
        items = Feedback.objects.filter(
            client=self.client, channel=Feedback.Channel.PORTAL
        )
        if self.user is None:
            return items.filter(submitted_by__isnull=False)
        return items.filter(submitted_by=self.user)

    def feedback_item(self, pk: int) -> Feedback:
        return _get_or_404(self.feedback(), pk=pk)

    # Shared work

    def matters(self) -> QuerySet[Matter]:
        """Return every matter of the selected organisation, newest first."""
        if self.client is None:
            return Matter.objects.none()
        return Matter.objects.filter(client=self.client).order_by(
            "-opened_on", "reference"
        )

    def open_matters(self) -> QuerySet[Matter]:
        return self.matters().exclude(status=Matter.Status.CLOSED)

    def shared_plan_actions(self) -> QuerySet[PlanAction]:
        """Open actions marked as shared, from the organisation's agreed plans."""
        if self.client is None:
            return PlanAction.objects.none()
        return (
            PlanAction.objects.open()
            .filter(
                plan__key_account__client=self.client,
                plan__status=ClientPlan.Status.AGREED,
                shared_with_client=True,
            )
            .order_by("due_on", "pk")
        )

    def surveys_waiting(self) -> QuerySet[Invitation]:
        """Survey invitations of this user at the selected organisation."""
        if self.client is None or self.user is None:
            return Invitation.objects.none()
        return surveys_waiting_for(self.user).filter(contact__client=self.client)

    def you_said_we_did(self) -> QuerySet[YouSaidWeDid]:
        """Published items for the selected organisation or for every client."""
        if self.client is None:
            return YouSaidWeDid.objects.none()
        return you_said_we_did_for([self.client.pk])


# Words that mark an article as relevant to a kind of feedback.
RELATED_GUIDANCE_WORDS = {
    Feedback.Kind.COMPLAINT: ("complain", "complaint", "service standard"),
    Feedback.Kind.QUESTION: ("instruct", "how to", "what to expect"),
    Feedback.Kind.SUGGESTION: ("service standard", "what to expect"),
    Feedback.Kind.COMPLIMENT: ("service standard",),
}


def _get_or_404(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as error:
        raise Http404(f"No {queryset.model._meta.verbose_name} found.") from error


# Building the scope for a request
# ---------------------------------------------------------------------------


def scope_for_request(request) -> PortalScope:
    """Build the request's scope, or raise ``PermissionDenied``.

    Portal users get their own organisations. Staff get a read-only scope
    only while they are viewing as a client and still hold the permission.
    """
    user = request.user
    if user.is_portal_user:
        return _portal_user_scope(request, user)
    if user.is_legal_staff and user.has_perm(VIEW_AS_PERMISSION):
        scope = _view_as_scope(request, user)
        if scope is not None:
            return scope
    raise PermissionDenied("This page is for client portal users.")


def _portal_user_scope(request, user: User) -> PortalScope:
    clients = member_organisations(user)
    selected_id = request.session.get(SESSION_CLIENT_KEY)
    selected = next((c for c in clients if c.pk == selected_id), None)
    if selected is None and clients:
        selected = clients[0]
    return PortalScope(user=user, client=selected, clients=clients)


def member_organisations(user: User) -> tuple[Client, ...]:
    return tuple(
        Client.objects.filter(portal_memberships__user=user).order_by("name", "pk")
    )


def _view_as_scope(request, viewer: User) -> PortalScope | None:
    chosen = request.session.get(SESSION_VIEW_AS_KEY) or {}
    client = Client.objects.filter(pk=chosen.get("client_id")).first()
    if client is None:
        return None

    portal_user = None
    if chosen.get("user_id") is not None:
        portal_user = portal_users_of(client).filter(pk=chosen["user_id"]).first()
        if portal_user is None:
            return None
    return PortalScope(
        user=portal_user, client=client, clients=(client,), viewer=viewer
    )


def portal_users_of(client: Client) -> QuerySet[User]:
    """Active portal users who belong to ``client``."""
    return User.objects.filter(
        portal_memberships__client=client,
        is_active=True,
        groups__name=Role.CLIENT.label,
    ).order_by("full_name", "pk")


def select_organisation(request, scope: PortalScope, client_id) -> Client:
    """Make ``client_id`` the selected organisation, if the user belongs to it."""
    chosen = next((c for c in scope.clients if str(c.pk) == str(client_id)), None)
    if chosen is None or scope.read_only:
        raise Http404("You are not a member of that organisation.")
    request.session[SESSION_CLIENT_KEY] = chosen.pk
    return chosen


def start_viewing_as(request, *, client: Client, portal_user: User | None) -> None:
    """Start a read-only view of the portal as ``client`` and record it."""
    request.session[SESSION_VIEW_AS_KEY] = {
        "client_id": client.pk,
        "user_id": portal_user.pk if portal_user else None,
    }
    audit.record(
        action=AuditEvent.Action.VIEW_AS_CLIENT,
        actor=request.user,
        target=portal_user or client,
        changes={
            "client": str(client.pk),
            "portal_user": str(portal_user.pk) if portal_user else None,
            "started": True,
        },
        request=request,
    )


def stop_viewing_as(request) -> None:
    request.session.pop(SESSION_VIEW_AS_KEY, None)


def portal_view(view):
    """Admit portal users, and staff viewing as a client, with ``request.portal``.

    Anonymous visitors go to the portal sign-in page. In a read-only scope any
    request other than GET or HEAD is rejected with 403 before the view runs.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("portal:sign_in")
            )
        scope = scope_for_request(request)
        if scope.read_only:
            if request.method not in READ_METHODS:
                raise PermissionDenied(
                    "You are viewing the portal as a client, so nothing can be "
                    "changed. Stop viewing as a client first."
                )
            _record_view_as_page(request, scope)
        request.portal = scope
        return view(request, *args, **kwargs)

    return wrapped


def _record_view_as_page(request, scope: PortalScope) -> None:
    audit.record(
        action=AuditEvent.Action.VIEW_AS_CLIENT,
        actor=scope.viewer,
        target=scope.user or scope.client,
        changes={"client": str(scope.client.pk), "path": request.path},
        request=request,
    )
