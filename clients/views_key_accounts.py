"""Staff pages for key accounts, client plans, relationships and handover."""

import difflib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import CreateView, UpdateView

from accounts import audit
from accounts.access import StaffRequiredMixin
from accounts.models import AuditEvent, User
from crm_site.celery import enqueue

from . import selectors_key_accounts as selectors
from . import services_key_accounts as services
from . import tasks
from .forms_key_accounts import (
    ActionForm,
    ActionStatusForm,
    HandoverForm,
    KeyAccountForm,
    NeedForm,
    NeedsFromInteractionForm,
    ObjectiveForm,
    PlanForm,
    PlanStartForm,
)
from .models import (
    Client,
    ClientPlan,
    Interaction,
    KeyAccount,
    PlanAction,
    PlanNeed,
    PlanObjective,
)
from .views import AuditedFormMixin

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _record(request, action, target, changes):
    audit.record(
        action=action,
        actor=request.user,
        target=target,
        changes=changes,
        request=request,
    )


# Ranking and key accounts
# ---------------------------------------------------------------------------


def _search_text(request) -> str:
    # A NUL character cannot be sent to PostgreSQL, and no name contains one.
    return request.GET.get("q", "").replace("\x00", "")


class RankingView(StaffRequiredMixin, View):
    """Clients by their last 12 months' work, to choose key accounts from."""

    permission_required = "clients.add_keyaccount"

    def get(self, request):
        worked_out = selectors.ranking_worked_out()
        if worked_out is None:
            # Before the first nightly run, as on a new installation, the
            # figures are worked out here once rather than show no ranking.
            services.refresh_ranking_figures(today=timezone.localdate())
            worked_out = selectors.ranking_worked_out()

        search = _search_text(request)
        sort = request.GET.get("sort", "-value")
        rows = selectors.ranking(search=search, sort=sort)
        ctx = {
            "page_obj": _page(request, rows),
            "search": search,
            "sort": sort,
            "worked_out": worked_out,
        }
        return render(request, "clients/key_accounts/ranking.html", ctx)


class RankingRefreshView(StaffRequiredMixin, View):
    """Queue the ranking's figures to be worked out again before the night."""

    permission_required = "clients.add_keyaccount"

    def post(self, request):
        _record(
            request,
            AuditEvent.Action.UPDATE,
            None,
            {"ranking figures": "refresh requested"},
        )
        if enqueue(tasks.refresh_ranking_figures):
            messages.success(
                request,
                "The figures are being worked out again. "
                "Reload this page in a minute to see them.",
            )
        else:
            messages.error(
                request,
                "The figures could not be queued. Try again in a few minutes; "
                "they are also worked out again each night.",
            )
        ranking = reverse("clients:key_account_ranking")
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{ranking}?{query}" if query else ranking)


class KeyAccountListView(StaffRequiredMixin, View):
    permission_required = "clients.view_keyaccount"

    def get(self, request):
        search = _search_text(request)
        accounts = selectors.key_account_list(
            today=timezone.localdate(),
            search=search,
            sort=request.GET.get("sort", "client"),
        )
        ctx = {"page_obj": _page(request, accounts), "search": search}
        return render(request, "clients/key_accounts/key_account_list.html", ctx)


class KeyAccountFormMixin(AuditedFormMixin):
    model = KeyAccount
    form_class = KeyAccountForm
    template_name = "clients/key_accounts/key_account_form.html"
    audit_fields = [
        "tier",
        "owner",
        "sponsor",
        "team",
        "contact_frequency_days",
        "review_frequency_months",
        "next_review_on",
        "reason",
    ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client": self.client}

    def get_context_data(self, **kwargs):
        return super().get_context_data(client=self.client, **kwargs)

    def success_message(self, creating):
        if creating:
            return f"{self.client} is now a key account."
        return "Key account saved."


class KeyAccountCreateView(StaffRequiredMixin, KeyAccountFormMixin, CreateView):
    """Designate a client as a key account."""

    permission_required = "clients.add_keyaccount"

    def get(self, request, *args, **kwargs):
        return self._unless_designated(super().get, request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._unless_designated(super().post, request, *args, **kwargs)

    def _unless_designated(self, handler, request, *args, **kwargs):
        self.client = get_object_or_404(Client, pk=kwargs["client_pk"])
        existing = KeyAccount.objects.filter(client=self.client).first()
        if existing:
            messages.info(request, f"{self.client} is already a key account.")
            return redirect(existing)
        return handler(request, *args, **kwargs)

    def save_form(self, form):
        form.instance.designated_by = self.request.user
        super().save_form(form)
        services.refresh_health(
            today=timezone.localdate(), account_ids=[self.object.pk]
        )


class KeyAccountUpdateView(StaffRequiredMixin, KeyAccountFormMixin, UpdateView):
    permission_required = "clients.change_keyaccount"

    def get_object(self, queryset=None):
        account = super().get_object(queryset)
        self.client = account.client
        return account

    def get_queryset(self):
        return KeyAccount.objects.select_related("client")


class KeyAccountReviewedView(StaffRequiredMixin, View):
    """Record an account review, which moves the next review date on."""

    permission_required = "clients.change_keyaccount"

    def post(self, request, pk):
        account = get_object_or_404(KeyAccount.objects.select_related("client"), pk=pk)
        services.record_review(
            account=account, actor=request.user, today=timezone.localdate()
        )
        messages.success(
            request,
            f"Review recorded. The next review is due on "
            f"{account.next_review_on.day} {account.next_review_on:%B %Y}.",
        )
        return redirect(account)


class KeyAccountDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_keyaccount"

    def get(self, request, pk):
        today = timezone.localdate()
        try:
            account = selectors.key_account_for_page(pk, today=today)
        except KeyAccount.DoesNotExist as error:
            raise Http404("No key account with that id.") from error

        audit.record_view(request, account)
        ctx = {
            "account": account,
            "health": selectors.health_of(account, today=today),
            "plans": account.plans.all(),
            "start_form": PlanStartForm(today=today),
        }
        return render(request, "clients/key_accounts/key_account_detail.html", ctx)


# Plans
# ---------------------------------------------------------------------------


class PlanStartView(StaffRequiredMixin, View):
    permission_required = "clients.add_clientplan"

    def post(self, request, pk):
        account = get_object_or_404(KeyAccount, pk=pk)
        form = PlanStartForm(request.POST, today=timezone.localdate())
        if not form.is_valid():
            messages.error(request, "Choose the financial year of the plan.")
            return redirect(account)

        try:
            plan = services.start_plan(
                key_account=account,
                period_start=form.cleaned_data["period_start"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(account)
        messages.success(request, f"Draft plan for {plan.period_label} started.")
        return redirect(plan)


def _get_plan(pk):
    try:
        return selectors.plan_for_page(pk)
    except ClientPlan.DoesNotExist as error:
        raise Http404("No client plan with that id.") from error


PLAN_ITEMS = {
    "objective": (PlanObjective, ObjectiveForm),
    "need": (PlanNeed, NeedForm),
    "action": (PlanAction, ActionForm),
}


def _plan_page(request, plan, forms=None, status=200):
    forms = forms or {}
    ctx = {
        "plan": plan,
        "account": plan.key_account,
        "today": timezone.localdate(),
        "item_forms": {
            kind: forms.get(kind) or form_class(plan=plan, prefix=kind)
            for kind, (_model, form_class) in PLAN_ITEMS.items()
        },
    }
    return render(request, "clients/key_accounts/plan_detail.html", ctx, status=status)


class PlanDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_clientplan"

    def get(self, request, pk):
        plan = _get_plan(pk)
        audit.record_view(request, plan)
        return _plan_page(request, plan)


class PlanUpdateView(StaffRequiredMixin, AuditedFormMixin, UpdateView):
    permission_required = "clients.change_clientplan"
    model = ClientPlan
    form_class = PlanForm
    template_name = "clients/key_accounts/plan_form.html"

    def get_queryset(self):
        return ClientPlan.objects.select_related("key_account__client")

    def get_object(self, queryset=None):
        plan = super().get_object(queryset)
        if plan.is_locked:
            raise PermissionDenied("An agreed plan is locked. Revise it instead.")
        return plan

    def success_message(self, creating):
        return "Plan saved."


class PlanItemCreateView(StaffRequiredMixin, View):
    """Add an objective, a need or an action to a draft plan."""

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in PLAN_ITEMS:
            raise Http404("No such plan item.")
        self.permission_required = f"clients.add_plan{kwargs['kind']}"
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, pk, kind):
        plan = _get_plan(pk)
        if plan.is_locked:
            messages.error(request, "This plan is agreed and locked. Revise it first.")
            return redirect(plan)

        _model, form_class = PLAN_ITEMS[kind]
        form = form_class(request.POST, plan=plan, prefix=kind)
        if not form.is_valid():
            messages.error(request, f"The {kind} was not added. Correct the fields.")
            return _plan_page(request, plan, forms={kind: form}, status=400)

        with transaction.atomic():
            item = form.save()
            _record(request, AuditEvent.Action.CREATE, item, audit.snapshot(item))
        messages.success(request, f"{kind.capitalize()} added.")
        return redirect(plan.get_absolute_url() + f"#{kind}s")


class PlanItemDeleteView(StaffRequiredMixin, View):
    """Remove an item from a draft plan, after a confirmation page."""

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in PLAN_ITEMS:
            raise Http404("No such plan item.")
        self.permission_required = f"clients.delete_plan{kwargs['kind']}"
        return super().dispatch(request, *args, **kwargs)

    def _item(self, kind, pk):
        model, _form = PLAN_ITEMS[kind]
        item = get_object_or_404(
            model.objects.select_related("plan__key_account__client"), pk=pk
        )
        if item.plan.is_locked:
            raise PermissionDenied("An agreed plan is locked. Revise it instead.")
        return item

    def get(self, request, kind, pk):
        item = self._item(kind, pk)
        ctx = {"item": item, "kind": kind, "plan": item.plan}
        return render(request, "clients/key_accounts/plan_item_delete.html", ctx)

    def post(self, request, kind, pk):
        item = self._item(kind, pk)
        plan = item.plan
        with transaction.atomic():
            _record(request, AuditEvent.Action.DELETE, item, audit.snapshot(item))
            item.delete()
        messages.success(request, f"{kind.capitalize()} removed.")
        return redirect(plan)


class PlanAgreeView(StaffRequiredMixin, View):
    permission_required = "clients.agree_clientplan"

    def post(self, request, pk):
        plan = get_object_or_404(ClientPlan, pk=pk)
        try:
            services.agree_plan(plan=plan, actor=request.user)
        except services.PlanLocked as error:
            messages.error(request, str(error))
            return redirect(plan)
        messages.success(request, "Plan agreed. It is now locked.")
        return redirect(plan)


class PlanReviseView(StaffRequiredMixin, View):
    permission_required = "clients.change_clientplan"

    def post(self, request, pk):
        plan = get_object_or_404(ClientPlan, pk=pk)
        try:
            draft = services.revise_plan(plan=plan, actor=request.user)
        except services.PlanLocked as error:
            messages.error(request, str(error))
            return redirect(plan)
        messages.success(request, f"Version {draft.version} started as a draft.")
        return redirect(draft)


def plan_text_lines(plan) -> list[str]:
    """Render the plan's content as plain text lines, for comparing two versions."""
    text = render_to_string("clients/key_accounts/plan_text.txt", {"plan": plan})
    return [line.rstrip() for line in text.splitlines() if line.strip()]


class PlanDiffView(StaffRequiredMixin, View):
    """The differences between a plan version and the version it revised."""

    permission_required = "clients.view_clientplan"

    def get(self, request, pk):
        plan = _get_plan(pk)
        if plan.previous_version_id is None:
            messages.info(request, "This is the first version of the plan.")
            return redirect(plan)

        previous = _get_plan(plan.previous_version_id)
        lines = difflib.unified_diff(
            plan_text_lines(previous),
            plan_text_lines(plan),
            fromfile=f"Version {previous.version}",
            tofile=f"Version {plan.version}",
            lineterm="",
            n=2,
        )
        ctx = {"plan": plan, "previous": previous, "diff": _diff_rows(lines)}
        return render(request, "clients/key_accounts/plan_diff.html", ctx)


def _diff_rows(lines):
    rows = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            rows.append(("gap", "…"))
        elif line.startswith("+"):
            rows.append(("added", line[1:]))
        elif line.startswith("-"):
            rows.append(("removed", line[1:]))
        else:
            rows.append(("same", line[1:]))
    return rows


class PlanPrintView(StaffRequiredMixin, View):
    """The plan laid out for printing, with only client-shared actions."""

    permission_required = "clients.view_clientplan"

    def get(self, request, pk):
        plan = _get_plan(pk)
        audit.record_view(request, plan)
        ctx = {"plan": plan, "account": plan.key_account}
        return render(request, "clients/key_accounts/plan_print.html", ctx)


class ActionStatusView(StaffRequiredMixin, View):
    """Update a plan action's status: its owner, or anyone who may edit plans."""

    permission_required = "clients.change_planaction"

    def _action(self, request, pk):
        action = get_object_or_404(
            PlanAction.objects.select_related("plan__key_account__client", "owner"),
            pk=pk,
        )
        if action.owner_id != request.user.pk and not request.user.has_perm(
            "clients.change_clientplan"
        ):
            raise PermissionDenied("Only the action's owner can update it.")
        if action.plan.status == ClientPlan.Status.ARCHIVED:
            raise PermissionDenied("Actions of an archived plan cannot change.")
        return action

    def get(self, request, pk):
        action = self._action(request, pk)
        ctx = {"action": action, "form": ActionStatusForm(instance=action)}
        return render(request, "clients/key_accounts/action_form.html", ctx)

    def post(self, request, pk):
        action = self._action(request, pk)
        before = audit.snapshot(action, ["status"])
        form = ActionStatusForm(request.POST, instance=action)
        if not form.is_valid():
            ctx = {"action": action, "form": form}
            return render(
                request, "clients/key_accounts/action_form.html", ctx, status=400
            )

        with transaction.atomic():
            form.save()
            after = audit.snapshot(action, ["status"])
            changes = audit.changed_fields(before, after)
            _record(request, AuditEvent.Action.UPDATE, action, changes)
        messages.success(request, "Action updated.")
        return redirect(action)


class NeedsFromInteractionView(StaffRequiredMixin, View):
    """Add the needs heard in a needs assessment to a draft plan in one step."""

    permission_required = "clients.add_planneed"

    def _setup(self, pk):
        interaction = get_object_or_404(
            Interaction.objects.select_related("client"),
            pk=pk,
            kind=Interaction.Kind.NEEDS_ASSESSMENT,
        )
        plans = selectors.draft_plans_for_client(interaction.client_id)
        return interaction, plans

    def _render(self, request, interaction, plans, form, status=200):
        ctx = {"interaction": interaction, "plans": plans, "form": form}
        return render(
            request,
            "clients/key_accounts/needs_from_interaction.html",
            ctx,
            status=status,
        )

    def get(self, request, pk):
        interaction, plans = self._setup(pk)
        initial = {"needs": interaction.outcome or interaction.summary}
        form = NeedsFromInteractionForm(plans=plans, initial=initial)
        return self._render(request, interaction, plans, form)

    def post(self, request, pk):
        interaction, plans = self._setup(pk)
        form = NeedsFromInteractionForm(request.POST, plans=plans)
        if not form.is_valid():
            return self._render(request, interaction, plans, form, status=400)

        plan = form.cleaned_data["plan"]
        needs = services.add_needs_from_interaction(
            plan=plan,
            interaction=interaction,
            descriptions=form.cleaned_data["needs"],
            actor=request.user,
        )
        messages.success(request, f"{len(needs)} needs added to the plan.")
        return redirect(plan.get_absolute_url() + "#needs")


# Relationships and handover
# ---------------------------------------------------------------------------


class RelationshipsView(StaffRequiredMixin, View):
    """Each staff member's relationships with one client's contacts, strongest first."""

    permission_required = ("clients.view_client", "clients.view_keyaccount")

    def get(self, request, client_pk):
        client = get_object_or_404(Client, pk=client_pk)
        relationships = selectors.relationships_for_client(
            client, today=timezone.localdate()
        )
        ctx = {
            "client": client,
            "relationships": relationships,
            "half_life_days": settings.RELATIONSHIP_HALF_LIFE_DAYS,
        }
        return render(request, "clients/key_accounts/relationships.html", ctx)


class LeaverListView(StaffRequiredMixin, View):
    """Staff with a leave date, whose accounts and relationships need handing over."""

    permission_required = "clients.change_keyaccount"

    def get(self, request):
        leavers = selectors.leavers(today=timezone.localdate())
        ctx = {"page_obj": _page(request, leavers)}
        return render(request, "clients/key_accounts/leaver_list.html", ctx)


class HandoverView(StaffRequiredMixin, View):
    """A leaver's key accounts and strong relationships, with a reassign form."""

    permission_required = "clients.change_keyaccount"

    def _leaver(self, pk):
        return get_object_or_404(
            User.objects.select_related("profile"),
            pk=pk,
            profile__leave_date__isnull=False,
        )

    def _render(self, request, leaver, form, status=200):
        today = timezone.localdate()
        ctx = {
            "leaver": leaver,
            "accounts": selectors.accounts_of(leaver),
            "relationships": selectors.strong_relationships_of(leaver, today=today),
            "open_actions": PlanAction.objects.open()
            .filter(owner=leaver)
            .select_related("plan__key_account__client"),
            "form": form,
        }
        return render(request, "clients/key_accounts/handover.html", ctx, status=status)

    def get(self, request, pk):
        leaver = self._leaver(pk)
        return self._render(request, leaver, HandoverForm(leaver=leaver))

    def post(self, request, pk):
        leaver = self._leaver(pk)
        form = HandoverForm(request.POST, leaver=leaver)
        if not form.is_valid():
            return self._render(request, leaver, form, status=400)

        successor = form.cleaned_data["successor"]
        counts = services.hand_over(
            leaver=leaver, successor=successor, actor=request.user
        )
        messages.success(
            request,
            f"Handed over to {successor}: {counts.get('owned', 0)} accounts owned, "
            f"{counts.get('sponsored', 0)} sponsored, {counts.get('team', 0)} team "
            f"places and {counts.get('actions', 0)} open actions.",
        )
        return HttpResponseRedirect(reverse("clients:handover", args=[leaver.pk]))
