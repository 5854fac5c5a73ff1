"""Staff pages for matters: the list, the matter page, time and promises."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from accounts import audit
from accounts.access import StaffRequiredMixin
from accounts.models import AuditEvent

from . import exports, selectors_matters, services_matters
from .forms_matters import (
    ChooseClientForm,
    CloseMatterForm,
    MatterForm,
    PromiseMetForm,
    QuickTimeForm,
)
from .models import Client, Matter, TimeEntry
from .pagination import NearestPageMixin
from .privacy import holds

TIME_PAGE_SIZE = 25


def _paginate(request, queryset, page_size):
    # A page number out of range or mistyped shows the nearest page, as on
    # the client list.
    return Paginator(queryset, page_size).get_page(request.GET.get("page"))


def _get_matter_or_404(pk):
    try:
        return selectors_matters.matter_for_page(pk)
    except Matter.DoesNotExist as error:
        raise Http404("No matter with that id.") from error


def _apply_service_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# The matter list and its export


class MatterListView(StaffRequiredMixin, NearestPageMixin, ListView):
    permission_required = "clients.view_matter"
    template_name = "clients/matters/matter_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.today = timezone.localdate()
        self.filterset = selectors_matters.MatterFilter(
            self.request.GET,
            queryset=selectors_matters.matters_for_list(),
            request=self.request,
            today=self.today,
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(filter=self.filterset, **kwargs)
        ctx["rows"] = [
            (matter, matter.promise_state(self.today)) for matter in ctx["object_list"]
        ]
        ctx["today"] = self.today
        return ctx


MATTER_COLUMNS = [
    exports.Column("Reference"),
    exports.Column("Title"),
    exports.Column("Client"),
    exports.Column("Matter type"),
    exports.Column("Team"),
    exports.Column("Responsible lawyer"),
    exports.Column("Status"),
    exports.Column("Opened"),
    exports.Column("Closed"),
    exports.Column("Service promise"),
    exports.Column("Target date"),
    exports.Column("Promise met on"),
    exports.Column("Promise"),
]


def matter_export_row(matter, today):
    return [
        matter.reference,
        matter.title,
        matter.client.name,
        matter.matter_type.name,
        matter.team.name if matter.team else "",
        matter.responsible_lawyer.full_name,
        matter.get_status_display(),
        matter.opened_on,
        matter.closed_on,
        matter.service_promise.name if matter.service_promise else "",
        matter.target_date,
        matter.promise_met_on,
        Matter.PromiseState(matter.promise_state(today)).label,
    ]


class MatterExportView(StaffRequiredMixin, View):
    """The matter list as filtered, every page of it, as CSV or XLSX."""

    permission_required = "clients.view_matter"

    def get(self, request, file_format):
        today = timezone.localdate()
        filterset = selectors_matters.MatterFilter(
            request.GET,
            queryset=selectors_matters.matters_for_list(),
            request=request,
            today=today,
        )
        rows = [matter_export_row(m, today) for m in filterset.qs]
        return exports.download(
            request=request,
            file_format=file_format,
            file_stem=f"matters-{today:%Y-%m-%d}",
            columns=MATTER_COLUMNS,
            rows=rows,
            description="matters",
        )


class PromisesDueView(StaffRequiredMixin, View):
    """Matters whose promise falls due within 2 working days, or is overdue."""

    permission_required = "clients.view_matter"

    def get(self, request, file_format=None):
        today = timezone.localdate()
        mine = request.GET.get("mine") == "1"
        matters = selectors_matters.matters_due_soon(
            today, lawyer=request.user if mine else None
        )
        if file_format:
            rows = [matter_export_row(m, today) for m in matters]
            return exports.download(
                request=request,
                file_format=file_format,
                file_stem=f"promises-due-{today:%Y-%m-%d}",
                columns=MATTER_COLUMNS,
                rows=rows,
                description="service promises due",
            )
        page = _paginate(request, matters, 50)
        ctx = {
            "page_obj": page,
            "rows": [(m, m.promise_state(today)) for m in page.object_list],
            "today": today,
            "mine": mine,
        }
        return render(request, "clients/matters/promises_due.html", ctx)


# Opening and editing matters


class MatterCreateView(StaffRequiredMixin, View):
    """Open a matter: choose the client first, then fill in the matter."""

    permission_required = "clients.add_matter"
    template_name = "clients/matters/matter_form.html"

    def get(self, request):
        client = self._client(request.GET)
        if client is None:
            form = ChooseClientForm(request.GET or None)
            ctx = {"choose_form": form}
            return render(request, "clients/matters/choose_client.html", ctx)
        form = MatterForm(client=client, user=request.user)
        return render(request, self.template_name, {"form": form, "client": client})

    def post(self, request):
        client = self._client(request.GET)
        if client is None:
            raise Http404("Choose a client before opening a matter.")
        form = MatterForm(request.POST, client=client, user=request.user)
        if not form.is_valid():
            ctx = {"form": form, "client": client}
            return render(request, self.template_name, ctx, status=400)

        matter = form.save(commit=False)
        services_matters.apply_promise(
            matter, keep_target=bool(form.cleaned_data.get("target_date"))
        )
        with transaction.atomic():
            matter.save()
            audit.record(
                action=AuditEvent.Action.CREATE,
                actor=request.user,
                target=matter,
                changes=audit.snapshot(matter),
                request=request,
            )
        messages.success(request, f"Matter {matter.reference} opened.")
        return redirect(matter)

    def _client(self, params):
        client_id = params.get("client", "")
        if not client_id.isdigit():
            return None
        return Client.objects.filter(pk=client_id).first()


class MatterUpdateView(StaffRequiredMixin, View):
    permission_required = "clients.change_matter"
    template_name = "clients/matters/matter_form.html"

    def get(self, request, pk):
        matter = get_object_or_404(Matter.objects.select_related("client"), pk=pk)
        form = MatterForm(instance=matter, client=matter.client, user=request.user)
        return render(request, self.template_name, self._ctx(form, matter))

    def post(self, request, pk):
        matter = get_object_or_404(Matter.objects.select_related("client"), pk=pk)
        before = audit.snapshot(matter)
        old_promise = (matter.service_promise_id, matter.opened_on)
        form = MatterForm(
            request.POST, instance=matter, client=matter.client, user=request.user
        )
        if not form.is_valid():
            return render(request, self.template_name, self._ctx(form, matter), 400)

        matter = form.save(commit=False)
        promise_changed = (matter.service_promise_id, matter.opened_on) != old_promise
        if promise_changed or matter.service_promise_id is None:
            services_matters.apply_promise(
                matter, keep_target="target_date" in form.changed_data
            )
        with transaction.atomic():
            matter.save()
            audit.record(
                action=AuditEvent.Action.UPDATE,
                actor=request.user,
                target=matter,
                changes=audit.changed_fields(before, audit.snapshot(matter)),
                request=request,
            )
        messages.success(request, f"Matter {matter.reference} saved.")
        return redirect(matter)

    def _ctx(self, form, matter):
        return {"form": form, "client": matter.client, "matter": matter}


# The matter page and recording time


def _matter_page(request, matter, *, time_form=None, promise_form=None, status=200):
    today = timezone.localdate()
    entries = selectors_matters.time_entries_for_matter(matter)
    page = _paginate(request, entries, TIME_PAGE_SIZE)
    ctx = {
        "matter": matter,
        "promise_state": matter.promise_state(today),
        "time_page": page,
        "totals": selectors_matters.time_totals(matter.time_entries.all()),
        "time_form": time_form or QuickTimeForm(matter=matter, user=request.user),
        "close_form": CloseMatterForm(matter=matter),
        "promise_form": promise_form or PromiseMetForm(matter=matter),
        "can_edit_others": request.user.sees_whole_service,
        "today": today,
    }
    return render(request, "clients/matters/matter_detail.html", ctx, status=status)


class MatterDetailView(StaffRequiredMixin, View):
    permission_required = "clients.view_matter"

    def get(self, request, pk):
        matter = _get_matter_or_404(pk)
        audit.record_view(request, matter)
        return _matter_page(request, matter)


class QuickTimeView(StaffRequiredMixin, View):
    """The "record time" form on the matter page, for the signed-in user."""

    permission_required = "clients.add_timeentry"

    def post(self, request, pk):
        matter = _get_matter_or_404(pk)
        form = QuickTimeForm(request.POST, matter=matter, user=request.user)
        if form.is_valid():
            try:
                services_matters.save_time_entry(
                    entry=form.instance, actor=request.user, request=request
                )
            except ValidationError as error:
                _apply_service_errors(form, error)
        if form.errors:
            messages.error(
                request, "The time was not recorded. Correct the fields marked below."
            )
            return _matter_page(request, matter, time_form=form, status=400)

        entry = form.instance
        messages.success(
            request, f"{entry.minutes} minutes recorded for {entry.worked_on:%d/%m/%Y}."
        )
        return redirect(reverse("clients:matter_detail", args=[matter.pk]) + "#time")


def _editable_entry(request, pk):
    entry = get_object_or_404(
        TimeEntry.objects.select_related("matter", "staff").annotate(
            is_billed=selectors_matters.billed_flag()
        ),
        pk=pk,
    )
    if entry.staff_id != request.user.pk and not request.user.sees_whole_service:
        raise PermissionDenied("You can change only your own time.")
    return entry


class TimeEntryUpdateView(StaffRequiredMixin, View):
    permission_required = "clients.change_timeentry"
    template_name = "clients/matters/time_entry_form.html"

    def get(self, request, pk):
        entry = _editable_entry(request, pk)
        form = QuickTimeForm(instance=entry, matter=entry.matter, user=request.user)
        return render(request, self.template_name, {"form": form, "entry": entry})

    def post(self, request, pk):
        entry = _editable_entry(request, pk)
        form = QuickTimeForm(
            request.POST, instance=entry, matter=entry.matter, user=request.user
        )
        if form.is_valid():
            try:
                services_matters.save_time_entry(
                    entry=form.instance, actor=request.user, request=request
                )
            except ValidationError as error:
                _apply_service_errors(form, error)
        if form.errors:
            ctx = {"form": form, "entry": entry}
            return render(request, self.template_name, ctx, status=400)
        messages.success(request, "Time entry saved.")
        return HttpResponseRedirect(entry.get_absolute_url())


class TimeEntryDeleteView(StaffRequiredMixin, View):
    permission_required = "clients.delete_timeentry"
    template_name = "clients/confirm_delete.html"

    def get(self, request, pk):
        entry = _editable_entry(request, pk)
        ctx = {
            "object": entry,
            "cancel_url": entry.get_absolute_url(),
            "hold_reasons": holds.holds_blocking_deletion(entry),
        }
        return render(request, self.template_name, ctx)

    def post(self, request, pk):
        entry = _editable_entry(request, pk)
        url = entry.get_absolute_url()
        try:
            services_matters.delete_time_entry(
                entry=entry, actor=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(url)
        messages.success(request, "Time entry deleted.")
        return HttpResponseRedirect(url)


# Status and promise


class MatterCloseView(StaffRequiredMixin, View):
    """Close a matter after a confirmation page, which sends ``matter_closed``."""

    permission_required = "clients.change_matter"
    template_name = "clients/matters/matter_close.html"

    def get(self, request, pk):
        matter = get_object_or_404(Matter, pk=pk)
        form = CloseMatterForm(matter=matter)
        return render(request, self.template_name, {"matter": matter, "form": form})

    def post(self, request, pk):
        matter = get_object_or_404(Matter, pk=pk)
        form = CloseMatterForm(request.POST, matter=matter)
        if form.is_valid():
            try:
                services_matters.close_matter(
                    matter=matter,
                    closed_on=form.cleaned_data["closed_on"],
                    outcome=form.cleaned_data["outcome"],
                    actor=request.user,
                    request=request,
                )
            except ValidationError as error:
                form.add_error("closed_on", error)
        if form.errors:
            matter.refresh_from_db()
            ctx = {"matter": matter, "form": form}
            return render(request, self.template_name, ctx, status=400)
        messages.success(request, f"Matter {matter.reference} closed.")
        return redirect(matter)


class MatterStatusView(StaffRequiredMixin, View):
    """Put a matter on hold, or reopen it."""

    permission_required = "clients.change_matter"
    allowed = {Matter.Status.OPEN, Matter.Status.ON_HOLD}

    def post(self, request, pk):
        matter = get_object_or_404(Matter, pk=pk)
        status = request.POST.get("status")
        if status not in self.allowed or status == matter.status:
            messages.error(request, "Choose open or on hold.")
            return redirect(matter)
        services_matters.set_matter_status(
            matter=matter, status=status, actor=request.user, request=request
        )
        label = Matter.Status(status).label.lower()
        messages.success(request, f"Matter {matter.reference} is now {label}.")
        return redirect(matter)


class PromiseMetView(StaffRequiredMixin, View):
    """Record the day the promised work was done, or clear it."""

    permission_required = "clients.change_matter"

    def post(self, request, pk):
        matter = _get_matter_or_404(pk)
        if request.POST.get("clear"):
            services_matters.record_promise_met(
                matter=matter, met_on=None, actor=request.user, request=request
            )
            messages.success(request, "The promise is no longer marked met.")
            return redirect(matter)

        form = PromiseMetForm(request.POST, matter=matter)
        if not form.is_valid():
            messages.error(request, "The promise was not recorded. Correct the date.")
            return _matter_page(request, matter, promise_form=form, status=400)
        services_matters.record_promise_met(
            matter=matter,
            met_on=form.cleaned_data["met_on"],
            actor=request.user,
            request=request,
        )
        messages.success(request, "Promise recorded as met.")
        return redirect(matter)
