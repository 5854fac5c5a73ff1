"""Staff pages of "you said, we did": what clients said and what was done."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DeleteView

from accounts import audit
from accounts.access import StaffRequiredMixin, staff_required
from accounts.models import AuditEvent
from clients.views import AuditedDeleteMixin

from ..models import YouSaidWeDid
from .builder_views import page_of, record
from .filters import YouSaidWeDidFilter
from .forms import YouSaidWeDidForm

AUDIT_FIELDS = ["client", "round", "you_said", "we_did", "done_on", "is_published"]


@staff_required("feedback.view_yousaidwedid")
def item_list(request):
    items = YouSaidWeDid.objects.select_related("client", "round")
    filterset = YouSaidWeDidFilter(request.GET, queryset=items)
    ctx = {"filter": filterset, "page_obj": page_of(request, filterset.qs)}
    return render(request, "feedback/surveys/yswd_list.html", ctx)


@staff_required("feedback.add_yousaidwedid")
def item_create(request):
    return _item_form_page(request, YouSaidWeDid(created_by=request.user))


@staff_required("feedback.change_yousaidwedid")
def item_edit(request, pk):
    return _item_form_page(request, get_object_or_404(YouSaidWeDid, pk=pk))


def _item_form_page(request, item):
    creating = item.pk is None
    before = {} if creating else audit.snapshot(item, AUDIT_FIELDS)
    form = YouSaidWeDidForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            _stamp_publication(item)
            item.save()
            after = audit.snapshot(item, AUDIT_FIELDS)
            action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
            changes = after if creating else audit.changed_fields(before, after)
            record(request, action, item, changes)
        messages.success(request, "“You said, we did” item saved.")
        return redirect("surveys:yswd_list")

    ctx = {"form": form, "item": item}
    status = 400 if form.errors else 200
    return render(request, "feedback/surveys/yswd_form.html", ctx, status=status)


def _stamp_publication(item):
    if item.is_published and item.published_at is None:
        item.published_at = timezone.now()
    elif not item.is_published:
        item.published_at = None


class ItemDeleteView(StaffRequiredMixin, AuditedDeleteMixin, DeleteView):
    permission_required = "feedback.delete_yousaidwedid"
    model = YouSaidWeDid
    template_name = "clients/confirm_delete.html"

    def get_success_url(self):
        return reverse("surveys:yswd_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.object.is_published:
            ctx["consequences"] = ["the item from the client portal"]
        ctx["cancel_url"] = reverse("surveys:yswd_edit", args=[self.object.pk])
        return ctx
