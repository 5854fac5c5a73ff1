"""Staff pages for clients, their contacts and the contact log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, When
from django.db.models.deletion import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import CreateView, DeleteView, ListView, UpdateView

from accounts import audit
from accounts.access import StaffRequiredMixin
from accounts.models import AuditEvent

from . import selectors, selectors_key_accounts, selectors_matters
from .forms import ClientForm, ContactForm, InteractionForm, QuickLogForm
from .models import Client, Contact, Interaction, Matter
from .pagination import NearestPageMixin
from .privacy import holds

TIMELINE_PAGE_SIZE = 20


class AuditedFormMixin:
    """Save a model form and write what changed to the audit trail."""

    audit_fields = None

    def form_valid(self, form):
        creating = form.instance.pk is None
        before = (
            {}
            if creating
            else audit.snapshot(
                form.instance.__class__.objects.get(pk=form.instance.pk),
                self.audit_fields,
            )
        )
        with transaction.atomic():
            self.save_form(form)
            after = audit.snapshot(self.object, self.audit_fields)
            audit.record(
                action=AuditEvent.Action.CREATE
                if creating
                else AuditEvent.Action.UPDATE,
                actor=self.request.user,
                target=self.object,
                changes=after if creating else audit.changed_fields(before, after),
                request=self.request,
            )
        messages.success(self.request, self.success_message(creating))
        return HttpResponseRedirect(self.get_success_url())

    def save_form(self, form):
        self.object = form.save()

    def success_message(self, creating):
        verb = "added" if creating else "saved"
        return f"{self.object._meta.verbose_name.capitalize()} “{self.object}” {verb}."


class AuditedDeleteMixin:
    """Delete after a confirmation page and record the deletion."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["hold_reasons"] = holds.holds_blocking_deletion(self.object)
        return ctx

    def form_valid(self, form):
        self.object = self.get_object()
        success_url = self.get_success_url()
        label = f"{self.object._meta.verbose_name.capitalize()} “{self.object}”"
        hold_reasons = holds.holds_blocking_deletion(self.object)
        if hold_reasons:
            messages.error(
                self.request,
                f"{label} cannot be deleted: {' '.join(hold_reasons)}",
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        try:
            with transaction.atomic():
                audit.record(
                    action=AuditEvent.Action.DELETE,
                    actor=self.request.user,
                    target=self.object,
                    changes=audit.snapshot(self.object),
                    request=self.request,
                )
                self.object.delete()
        except ProtectedError:
            messages.error(
                self.request,
                f"{label} cannot be deleted while other records depend on it. "
                "Move or delete those first.",
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, f"{label} deleted.")
        return HttpResponseRedirect(success_url)


# Clients


class ClientListView(StaffRequiredMixin, NearestPageMixin, ListView):
    permission_required = "clients.view_client"
    template_name = "clients/client_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filterset = selectors.ClientFilter(
            self.request.GET, queryset=selectors.clients_with_activity()
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter=self.filterset, **kwargs)


def _client_page(request, client, quick_log_form=None, status=200):
    timeline = Paginator(selectors.client_timeline(client), TIMELINE_PAGE_SIZE)
    ctx = {
        "client": client,
        "contacts": client.contacts.all(),
        "timeline": timeline.get_page(request.GET.get("page")),
        "quick_log_form": quick_log_form
        or QuickLogForm(client=client, user=request.user),
        "today": timezone.localdate(),
        "agreed_plan": selectors_key_accounts.agreed_plan_for_client(client),
    }
    if request.user.has_perm("clients.view_matter"):
        ctx.update(_client_matters(client, today=ctx["today"]))
    return render(request, "clients/client_detail.html", ctx, status=status)


CLIENT_PAGE_MATTERS = 10


def _client_matters(client, *, today):
    """Return the client's matters for its page: open ones first, then the latest."""
    matters = selectors_matters.matters_for_list().filter(client=client)
    ordered = matters.order_by(
        Case(When(status=Matter.Status.CLOSED, then=1), default=0), "-opened_on", "pk"
    )
    shown = list(ordered[:CLIENT_PAGE_MATTERS])
    return {
        "matter_rows": [(matter, matter.promise_state(today)) for matter in shown],
        "matter_count": matters.count(),
    }


class ClientDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_client"

    def get(self, request, pk):
        client = _get_client_or_404(pk)
        audit.record_view(request, client)
        return _client_page(request, client)


class ClientCreateView(StaffRequiredMixin, AuditedFormMixin, CreateView):
    permission_required = "clients.add_client"
    model = Client
    form_class = ClientForm
    template_name = "clients/client_form.html"

    def get_initial(self):
        return {"relationship_owner": self.request.user.pk}


class ClientUpdateView(StaffRequiredMixin, AuditedFormMixin, UpdateView):
    permission_required = "clients.change_client"
    model = Client
    form_class = ClientForm
    template_name = "clients/client_form.html"


class ClientDeleteView(StaffRequiredMixin, AuditedDeleteMixin, DeleteView):
    permission_required = "clients.delete_client"
    model = Client
    template_name = "clients/confirm_delete.html"

    def get_success_url(self):
        return reverse("clients:list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequences"] = [
            f"{self.object.contacts.count()} contacts",
            f"{self.object.interactions.count()} logged contacts",
        ]
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


def _get_client_or_404(pk):
    try:
        return selectors.client_for_page(pk)
    except Client.DoesNotExist as error:
        raise Http404("No client with that id.") from error


# Contacts


class ClientChildMixin:
    """Views of a record that belongs to the client named in the URL."""

    def dispatch(self, request, *args, **kwargs):
        self.client = get_object_or_404(Client, pk=kwargs["client_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(client=self.client, **kwargs)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ContactFormMixin(ClientChildMixin, AuditedFormMixin):
    model = Contact
    form_class = ContactForm
    template_name = "clients/contact_form.html"

    def get_queryset(self):
        return Contact.objects.filter(client=self.client)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client": self.client}

    def save_form(self, form):
        # One primary contact per client: the new one replaces the old.
        if form.cleaned_data.get("is_primary"):
            others = self.client.contacts.filter(is_primary=True)
            if form.instance.pk:
                others = others.exclude(pk=form.instance.pk)
            for replaced in others:
                audit.record(
                    action=AuditEvent.Action.UPDATE,
                    actor=self.request.user,
                    target=replaced,
                    changes={"is_primary": ["True", "False"]},
                    request=self.request,
                )
            others.update(is_primary=False)
        super().save_form(form)


class ContactCreateView(StaffRequiredMixin, ContactFormMixin, CreateView):
    permission_required = "clients.add_contact"


class ContactUpdateView(StaffRequiredMixin, ContactFormMixin, UpdateView):
    permission_required = "clients.change_contact"


class ContactDeleteView(
    StaffRequiredMixin, ClientChildMixin, AuditedDeleteMixin, DeleteView
):
    permission_required = "clients.delete_contact"
    model = Contact
    template_name = "clients/confirm_delete.html"

    def get_queryset(self):
        return Contact.objects.filter(client=self.client)

    def get_success_url(self):
        return self.client.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequences"] = [
            f"their link to {self.object.interactions.count()} logged contacts "
            "(the logged contacts stay)"
        ]
        ctx["cancel_url"] = self.client.get_absolute_url()
        return ctx


# Interactions (the contact log)


class InteractionFormMixin(ClientChildMixin, AuditedFormMixin):
    model = Interaction
    form_class = InteractionForm
    template_name = "clients/interaction_form.html"

    def get_queryset(self):
        return Interaction.objects.filter(client=self.client)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "client": self.client,
            "user": self.request.user,
        }

    def success_message(self, creating):
        return "Contact logged." if creating else "Logged contact saved."


class InteractionCreateView(StaffRequiredMixin, InteractionFormMixin, CreateView):
    permission_required = "clients.add_interaction"


class InteractionUpdateView(StaffRequiredMixin, InteractionFormMixin, UpdateView):
    permission_required = "clients.change_interaction"

    def save_form(self, form):
        interaction = form.instance
        if interaction.follow_up_done and interaction.follow_up_done_at is None:
            interaction.follow_up_done_at = timezone.now()
        elif not interaction.follow_up_done:
            interaction.follow_up_done_at = None
        super().save_form(form)


class InteractionDeleteView(
    StaffRequiredMixin, ClientChildMixin, AuditedDeleteMixin, DeleteView
):
    permission_required = "clients.delete_interaction"
    model = Interaction
    template_name = "clients/confirm_delete.html"

    def get_queryset(self):
        return Interaction.objects.filter(client=self.client)

    def get_success_url(self):
        return self.client.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequences"] = ["its follow-up, if it has one"]
        ctx["cancel_url"] = self.client.get_absolute_url()
        return ctx


class QuickLogView(StaffRequiredMixin, View):
    """The "log a contact" form on the client page.

    Invalid input shows the client page again with the errors beside the
    fields and everything typed kept.
    """

    permission_required = "clients.add_interaction"

    def post(self, request, pk):
        client = _get_client_or_404(pk)
        form = QuickLogForm(request.POST, client=client, user=request.user)
        if not form.is_valid():
            messages.error(
                request, "The contact was not logged. Correct the fields marked below."
            )
            return _client_page(request, client, quick_log_form=form, status=400)

        with transaction.atomic():
            interaction = form.save()
            audit.record(
                action=AuditEvent.Action.CREATE,
                actor=request.user,
                target=interaction,
                changes=audit.snapshot(interaction),
                request=request,
            )
        messages.success(request, "Contact logged.")
        return redirect(reverse("clients:detail", args=[client.pk]) + "#timeline")


class FollowUpDoneView(StaffRequiredMixin, View):
    """Mark a follow-up done, from the home page or the client page."""

    permission_required = "clients.change_interaction"

    def post(self, request, pk):
        interaction = get_object_or_404(
            Interaction.objects.select_related("client"), pk=pk
        )
        if not interaction.follow_up_done:
            with transaction.atomic():
                interaction.follow_up_done = True
                interaction.follow_up_done_at = timezone.now()
                interaction.save(
                    update_fields=["follow_up_done", "follow_up_done_at", "updated_at"]
                )
                audit.record(
                    action=AuditEvent.Action.UPDATE,
                    actor=request.user,
                    target=interaction,
                    changes={"follow_up_done": ["False", "True"]},
                    request=request,
                )
        if request.htmx:
            return render(
                request, "clients/_follow_up_done.html", {"interaction": interaction}
            )
        messages.success(request, f"Follow-up for {interaction.client} marked done.")
        return redirect(self._next_url(request, interaction))

    def _next_url(self, request, interaction):
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return next_url
        return interaction.client.get_absolute_url()
