"""Pages of the client portal under /portal/.

Every page but the sign-in and invitation pages is wrapped in
``portal_view`` and reads data only through ``request.portal``, the
request's ``PortalScope``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.forms import SignInForm
from accounts.models import User
from clients.models import Matter

from . import feedback_queue, guidance
from .models import Feedback
from .portal_forms import ArticleVoteForm, InvitationPasswordForm, PortalFeedbackForm
from .portal_scope import portal_view, select_organisation

PAGE_SIZE = 20
HOME_LIST_LIMIT = 5


# Home and organisations


@portal_view
def home(request):
    scope = request.portal
    open_matters = scope.open_matters()
    ctx = {
        "open_matters": _with_promise_states(open_matters[:HOME_LIST_LIMIT]),
        "open_matter_count": open_matters.count(),
        "plan_actions": scope.shared_plan_actions()[:HOME_LIST_LIMIT],
        "surveys_waiting": scope.surveys_waiting()[:HOME_LIST_LIMIT],
        "you_said_we_did": scope.you_said_we_did()[:HOME_LIST_LIMIT],
        "new_articles": scope.articles().order_by("-published_at", "-pk")[
            :HOME_LIST_LIMIT
        ],
        "recent_feedback": scope.feedback()[:HOME_LIST_LIMIT],
    }
    return render(request, "portal/home.html", ctx)


@portal_view
def matter_list(request):
    page = Paginator(request.portal.open_matters(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ctx = {"page_obj": page, "matters": _with_promise_states(page.object_list)}
    return render(request, "portal/matter_list.html", ctx)


def _with_promise_states(matters):
    """Pair each matter with the label of its service promise's state today."""
    today = timezone.localdate()
    return [
        (matter, Matter.PromiseState(matter.promise_state(today))) for matter in matters
    ]


@require_POST
@portal_view
def switch_organisation(request):
    client = select_organisation(request, request.portal, request.POST.get("client"))
    messages.success(request, f"You are now looking at {client.name}.")
    return redirect("portal:home")


# Guidance


@portal_view
def guidance_list(request, category_slug=None):
    scope = request.portal
    category = scope.category(category_slug) if category_slug else None
    query = request.GET.get("q", "").strip()

    articles = scope.search_articles(query)
    if category is not None:
        articles = articles.filter(category=category)
    page = Paginator(articles.order_by("title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ctx = {
        "categories": scope.categories(),
        "category": category,
        "query": query,
        "page_obj": page,
    }
    return render(request, "portal/guidance_list.html", ctx)


@portal_view
def article_detail(request, slug):
    article = request.portal.article(slug)
    return _article_page(request, article)


@require_POST
@portal_view
def article_vote(request, slug):
    scope = request.portal
    article = scope.article(slug)
    form = ArticleVoteForm(request.POST)
    if not form.is_valid():
        return _article_page(request, article, form=form, status=400)

    guidance.record_vote(
        article=article,
        user=scope.user,
        client=scope.client,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(request, "Thank you. Your answer helps us improve our guidance.")
    return redirect(article.get_portal_url() + "#helpful")


def _article_page(request, article, form=None, status=200):
    scope = request.portal
    vote = scope.vote(article)
    if form is None:
        initial = {}
        if vote is not None:
            initial = {
                "helpful": "yes" if vote.helpful else "no",
                "comment": vote.comment,
            }
        form = ArticleVoteForm(initial=initial)
    ctx = {
        "article": article,
        "body_html": guidance.render_markdown(article.body),
        "vote": vote,
        "form": form,
        "related_articles": scope.articles()
        .filter(category_id=article.category_id)
        .exclude(pk=article.pk)
        .order_by("title")[:HOME_LIST_LIMIT],
    }
    return render(request, "portal/article_detail.html", ctx, status=status)


# Feedback


@portal_view
def feedback_list(request):
    page = Paginator(request.portal.feedback(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/feedback_list.html", {"page_obj": page})


@portal_view
def feedback_new(request):
    scope = request.portal
    if scope.client is None:
        raise Http404("Your account is not linked to an organisation yet.")

    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    form = PortalFeedbackForm(
        request.POST or None,
        matters=scope.matters(),
        initial={"kind": kind} if kind in Feedback.Kind.values else {},
    )
    if request.method == "POST" and form.is_valid():
        item = feedback_queue.submit_from_portal(
            client=scope.client, user=scope.user, request=request, **form.cleaned_data
        )
        messages.success(
            request,
            f"Thank you. We have received your {item.get_kind_display().lower()} "
            f"and will reply here. Your reference is {item.reference}.",
        )
        return redirect(item.get_portal_url())

    ctx = {
        "form": form,
        "acknowledge_days": settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS,
        "resolve_days": settings.COMPLAINT_RESOLVE_WORKING_DAYS,
        "related_articles": scope.related_articles(
            kind if kind in Feedback.Kind.values else Feedback.Kind.QUESTION
        ),
    }
    return render(
        request, "portal/feedback_form.html", ctx, status=400 if form.errors else 200
    )


@portal_view
def feedback_detail(request, pk):
    item = request.portal.feedback_item(pk)
    return render(request, "portal/feedback_detail.html", {"item": item})


# Signing in and accepting an invitation


class PortalSignInView(auth_views.LoginView):
    """The portal's own sign-in page, with the staff form and lockout.

    Staff who sign in here are sent to the staff home page. A portal user is
    sent on to ``next`` only when it is a portal page.
    """

    authentication_form = SignInForm
    redirect_authenticated_user = True
    template_name = "portal/sign_in.html"

    def get_success_url(self):
        if self.request.user.is_legal_staff:
            return reverse("home")
        next_url = self.get_redirect_url()
        if next_url.startswith(reverse("portal:home")):
            return next_url
        return reverse("portal:home")

    def get_redirect_url(self):
        next_url = self.request.POST.get("next", self.request.GET.get("next", ""))
        allowed = url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        )
        return next_url if allowed else ""


def accept_invitation(request, token):
    """Let an invited contact choose a password, or add the organisation."""
    invitation = invitations.find_invitation(token)
    if invitation is None or not invitation.is_open():
        ctx = {"invitation": invitation}
        return render(request, "portal/invitation_invalid.html", ctx, status=404)

    if invitations.needs_password(invitation):
        return _accept_with_password(request, invitation)
    return _accept_for_existing_account(request, invitation)


def _accept_with_password(request, invitation):
    account = invitations.account_for_email(invitation.email) or User(
        email=invitation.email, full_name=invitation.contact.full_name
    )
    form = InvitationPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.accept_invitation(
                invitation=invitation,
                password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                "Your password is set. Sign in with your email address and "
                "the new password.",
            )
            return redirect("portal:sign_in")

    ctx = {"invitation": invitation, "form": form}
    status = 400 if form.errors else 200
    return render(request, "portal/invitation_accept.html", ctx, status=status)


def _accept_for_existing_account(request, invitation):
    if request.method == "POST":
        try:
            invitations.accept_invitation(invitation=invitation, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{invitation.client} is added to your portal account. Sign in "
                "with your existing password.",
            )
            return redirect("portal:sign_in")

    ctx = {"invitation": invitation, "form": None}
    return render(request, "portal/invitation_accept.html", ctx)
