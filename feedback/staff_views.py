"""Staff pages of the portal: guidance articles, the feedback queue, portal
invitations and viewing the portal as a client."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DeleteView

from accounts import audit, invitations
from accounts.access import StaffRequiredMixin, staff_required
from accounts.models import AuditEvent
from clients.models import Contact
from clients.views import AuditedDeleteMixin

from . import feedback_queue, guidance
from .forms import (
    ArticleCategoryForm,
    ArticleFilter,
    ArticleForm,
    AssignForm,
    ClientChoiceForm,
    FeedbackFilter,
    FeedbackLogForm,
    RespondForm,
    ViewAsClientForm,
    articles_with_counts,
)
from .models import Article, ArticleCategory, Feedback
from .portal_scope import VIEW_AS_PERMISSION, start_viewing_as, stop_viewing_as

PAGE_SIZE = 25
FEEDBACK_ACTIONS = ("acknowledge", "assign", "respond", "resolve")
COMMENTS_SHOWN = 20


def _page(request, queryset, size=PAGE_SIZE):
    # A page number out of range or mistyped shows the nearest page.
    return Paginator(queryset, size).get_page(request.GET.get("page"))


# Guidance articles
# ---------------------------------------------------------------------------


@staff_required("feedback.view_article")
def article_list(request):
    filterset = ArticleFilter(request.GET, queryset=articles_with_counts())
    ctx = {
        "filter": filterset,
        "page_obj": _page(request, filterset.qs),
        "today": timezone.localdate(),
    }
    return render(request, "feedback/staff/article_list.html", ctx)


@staff_required("feedback.view_article")
def article_detail(request, pk):
    article = get_object_or_404(
        articles_with_counts().prefetch_related("audience_kinds"), pk=pk
    )
    comments = (
        article.votes.exclude(comment="")
        .select_related("client")
        .order_by("-updated_at")[:COMMENTS_SHOWN]
    )
    ctx = {
        "article": article,
        "body_html": guidance.render_markdown(article.body),
        "comments": comments,
    }
    return render(request, "feedback/staff/article_detail.html", ctx)


@staff_required("feedback.add_article")
def article_create(request):
    article = Article(owner=request.user)
    return _article_form_page(request, article)


@staff_required("feedback.change_article")
def article_edit(request, pk):
    article = get_object_or_404(Article, pk=pk)
    return _article_form_page(request, article)


def _article_form_page(request, article):
    """Show the article form; "Preview" renders the body without saving."""
    form = ArticleForm(request.POST or None, instance=article)
    preview_html = None
    if request.method == "POST" and form.is_valid():
        if "preview" not in request.POST:
            article = _save_article_form(request, form)
            return redirect(article.get_absolute_url())
        preview_html = guidance.render_markdown(form.cleaned_data["body"])

    ctx = {"form": form, "article": article, "preview_html": preview_html}
    status = 400 if form.errors else 200
    return render(request, "feedback/staff/article_form.html", ctx, status=status)


def _save_article_form(request, form):
    creating = form.instance.pk is None
    article = form.save(commit=False)
    guidance.save_article(
        article=article,
        audience_kinds=form.cleaned_data["audience_kinds"],
        actor=request.user,
        request=request,
    )
    verb = "added" if creating else "saved"
    messages.success(request, f"Article “{article}” {verb}.")
    return article


class ArticleDeleteView(StaffRequiredMixin, AuditedDeleteMixin, DeleteView):
    permission_required = "feedback.delete_article"
    model = Article
    template_name = "clients/confirm_delete.html"

    def get_success_url(self):
        return reverse("feedback_staff:article_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequences"] = [f"its {self.object.votes.count()} helpful votes"]
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


@staff_required("feedback.view_articlecategory")
def category_list(request):
    categories = ArticleCategory.objects.annotate(
        article_count=Count("articles"),
        published_count=Count(
            "articles", filter=Q(articles__status=Article.Status.PUBLISHED)
        ),
    ).order_by("position", "name", "pk")
    ctx = {"page_obj": _page(request, categories)}
    return render(request, "feedback/staff/category_list.html", ctx)


@staff_required("feedback.add_articlecategory")
def category_create(request):
    return _category_form_page(request, ArticleCategory())


@staff_required("feedback.change_articlecategory")
def category_edit(request, pk):
    return _category_form_page(request, get_object_or_404(ArticleCategory, pk=pk))


def _category_form_page(request, category):
    creating = category.pk is None
    before = {} if creating else audit.snapshot(category)
    form = ArticleCategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            category = form.save()
            after = audit.snapshot(category)
            audit.record(
                action=AuditEvent.Action.CREATE
                if creating
                else AuditEvent.Action.UPDATE,
                actor=request.user,
                target=category,
                changes=after if creating else audit.changed_fields(before, after),
                request=request,
            )
        messages.success(request, f"Category “{category}” saved.")
        return redirect("feedback_staff:category_list")

    ctx = {"form": form, "category": category}
    status = 400 if form.errors else 200
    return render(request, "feedback/staff/category_form.html", ctx, status=status)


# Feedback queue
# ---------------------------------------------------------------------------


def _queue_queryset():
    return Feedback.objects.select_related(
        "client", "assigned_to", "submitted_by", "contact", "logged_by"
    )


@staff_required("feedback.view_feedback")
def feedback_queue_page(request):
    filterset = FeedbackFilter(request.GET, queryset=_queue_queryset(), request=request)
    today = timezone.localdate()
    ctx = {
        "filter": filterset,
        "page_obj": _page(request, filterset.qs),
        "overdue_count": Feedback.objects.overdue(today).count(),
        "today": today,
    }
    return render(request, "feedback/staff/feedback_queue.html", ctx)


@staff_required("feedback.add_feedback")
def feedback_log(request):
    """Log feedback received outside the portal, for a client chosen first."""
    chooser = ClientChoiceForm(request.GET or None)
    if not chooser.is_valid():
        ctx = {"chooser": chooser}
        return render(request, "feedback/staff/feedback_log.html", ctx)

    client = chooser.cleaned_data["client"]
    form = FeedbackLogForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        item = feedback_queue.log_received(
            client=client, logged_by=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, f"Feedback {item.reference} logged.")
        return redirect(item.get_absolute_url())

    ctx = {"chooser": chooser, "client": client, "form": form}
    status = 400 if form.errors else 200
    return render(request, "feedback/staff/feedback_log.html", ctx, status=status)


@staff_required("feedback.view_feedback")
def feedback_detail(request, pk):
    item = get_object_or_404(
        _queue_queryset().select_related(
            "acknowledged_by", "responded_by", "resolved_by"
        ),
        pk=pk,
    )
    audit.record_view(request, item)
    return _feedback_page(request, item)


def _feedback_page(request, item, *, respond_form=None, status=200):
    ctx = {
        "item": item,
        "assign_form": AssignForm(initial={"assigned_to": item.assigned_to_id}),
        "respond_form": respond_form
        or RespondForm(initial={"response": item.response}),
    }
    return render(request, "feedback/staff/feedback_detail.html", ctx, status=status)


@require_POST
@staff_required("feedback.change_feedback")
def feedback_action(request, pk, action):
    if action not in FEEDBACK_ACTIONS:
        raise Http404(f"No feedback action named {action!r}.")
    item = get_object_or_404(_queue_queryset(), pk=pk)
    if action == "acknowledge":
        feedback_queue.acknowledge(feedback=item, by=request.user, request=request)
        messages.success(request, f"{item.reference} acknowledged.")
    elif action == "assign":
        form = AssignForm(request.POST)
        if form.is_valid():
            to = form.cleaned_data["assigned_to"]
            feedback_queue.assign(
                feedback=item, to=to, by=request.user, request=request
            )
            messages.success(request, f"{item.reference} given to {to or 'nobody'}.")
        else:
            messages.error(request, "Choose a member of staff from the list.")
    elif action == "respond":
        form = RespondForm(request.POST)
        if not form.is_valid():
            return _feedback_page(request, item, respond_form=form, status=400)
        feedback_queue.respond(
            feedback=item,
            response=form.cleaned_data["response"],
            by=request.user,
            request=request,
        )
        messages.success(request, "Response saved. The client can now read it.")
    elif action == "resolve":
        feedback_queue.resolve(feedback=item, by=request.user, request=request)
        messages.success(request, f"{item.reference} resolved.")
    return redirect(item.get_absolute_url())


# Portal invitations
# ---------------------------------------------------------------------------


@staff_required("accounts.add_portalinvitation", "clients.view_contact")
def invite_contact(request, client_pk, pk):
    contact = get_object_or_404(
        Contact.objects.select_related("client"), client_id=client_pk, pk=pk
    )
    problem = None
    try:
        invitations.check_can_invite(contact)
    except ValidationError as error:
        problem = " ".join(error.messages)

    if request.method == "POST" and problem is None:
        try:
            invitations.invite_contact(
                contact=contact, invited_by=request.user, request=request
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
        except invitations.InvitationNotSent:
            problem = "The invitation email could not be sent. Try again later."
        else:
            messages.success(
                request,
                f"Portal invitation sent to {contact.full_name} ({contact.email}).",
            )
            return redirect(contact.get_absolute_url())

    ctx = {
        "contact": contact,
        "client": contact.client,
        "problem": problem,
        "earlier": contact.portal_invitations.order_by("-created_at")[:5],
        "invitation_days": settings.PORTAL_INVITATION_DAYS,
        "now": timezone.now(),
    }
    status = 400 if problem and request.method == "POST" else 200
    return render(request, "feedback/staff/invite_contact.html", ctx, status=status)


# Viewing the portal as a client
# ---------------------------------------------------------------------------


@staff_required(VIEW_AS_PERMISSION)
def view_as_start(request):
    form = ViewAsClientForm(request.POST or request.GET or None)
    if request.method == "POST" and form.is_valid():
        start_viewing_as(
            request,
            client=form.cleaned_data["client"],
            portal_user=form.cleaned_data["portal_user"],
        )
        return redirect("portal:home")

    ctx = {"form": form}
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "feedback/staff/view_as.html", ctx, status=status)


@require_POST
@staff_required()
def view_as_stop(request):
    stop_viewing_as(request)
    messages.success(request, "You have stopped viewing the portal as a client.")
    return redirect("home")
