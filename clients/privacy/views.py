"""Staff pages for legal holds, subject access exports and erasure."""

from django.contrib import messages
from django.db.models import Model
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from accounts.access import StaffRequiredMixin

from ..models import Client, Contact, Matter
from . import erasure, holds, subject_access
from .forms import LegalHoldForm


class LegalHoldView(StaffRequiredMixin, View):
    """Set a legal hold with its reason, or clear one, after confirmation."""

    permission_required = "clients.manage_legal_hold"
    template_name = "clients/privacy_legal_hold.html"

    def get_record(self) -> Model:
        raise NotImplementedError

    def get(self, request, **kwargs):
        record = self.get_record()
        return self.render_page(record, LegalHoldForm())

    def post(self, request, **kwargs):
        record = self.get_record()
        if request.POST.get("action") == "clear":
            return self.clear(record)

        form = LegalHoldForm(request.POST)
        if not form.is_valid():
            return self.render_page(record, form, status=400)

        holds.set_hold(
            record=record,
            reason=form.cleaned_data["reason"],
            user=request.user,
            request=request,
        )
        messages.success(request, f"“{record}” is now under a legal hold.")
        return HttpResponseRedirect(record.get_absolute_url())

    def clear(self, record):
        if not record.legal_hold:
            messages.info(self.request, f"“{record}” was not under a legal hold.")
            return HttpResponseRedirect(record.get_absolute_url())

        holds.clear_hold(record=record, user=self.request.user, request=self.request)
        messages.success(self.request, f"The legal hold on “{record}” is cleared.")
        return HttpResponseRedirect(record.get_absolute_url())

    def render_page(self, record, form, status=200):
        ctx = {
            "record": record,
            "record_kind": record._meta.verbose_name,
            "covers": HOLD_COVERS[type(record)],
            "form": form,
        }
        return render(self.request, self.template_name, ctx, status=status)


HOLD_COVERS = {
    Client: "its contacts, contact log, matters, time and feedback",
    Contact: "the contact log entries, matters, survey answers, feedback and "
    "portal invitations that name them",
    Matter: "its time entries and feedback",
}


class ClientLegalHoldView(LegalHoldView):
    def get_record(self):
        return get_object_or_404(
            Client.objects.select_related("legal_hold_set_by"), pk=self.kwargs["pk"]
        )


class MatterLegalHoldView(LegalHoldView):
    def get_record(self):
        return get_object_or_404(
            Matter.objects.select_related("legal_hold_set_by"), pk=self.kwargs["pk"]
        )


class ContactLegalHoldView(LegalHoldView):
    def get_record(self):
        return _get_contact(self.kwargs, "legal_hold_set_by")


class ContactExportView(StaffRequiredMixin, View):
    """Download every record that contains the contact's personal data, as a ZIP."""

    permission_required = "clients.export_contact_data"

    def post(self, request, client_pk, pk):
        contact = _get_contact(self.kwargs)
        archive = subject_access.build_archive(
            contact=contact, user=request.user, request=request
        )
        response = HttpResponse(archive, content_type="application/zip")
        name = subject_access.archive_name(contact)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ContactErasureView(StaffRequiredMixin, View):
    """Confirm, then erase the contact's personal data on their request."""

    permission_required = "clients.erase_contact"
    template_name = "clients/privacy_erase.html"

    def get(self, request, client_pk, pk):
        contact = _get_contact(self.kwargs)
        ctx = {
            "contact": contact,
            "counts": erasure.erasure_counts(contact),
            "blockers": _erasure_blockers(contact),
        }
        return render(request, self.template_name, ctx)

    def post(self, request, client_pk, pk):
        contact = _get_contact(self.kwargs)
        back = reverse("clients:detail", args=[contact.client_id])
        try:
            erasure.erase_contact(contact=contact, user=request.user, request=request)
        except erasure.ErasureNotAllowed as error:
            messages.error(request, f"Not erased. {error}")
            return HttpResponseRedirect(back)

        messages.success(
            request, f"{erasure.erased_name(contact)}: their personal data is erased."
        )
        return HttpResponseRedirect(back)


def _get_contact(kwargs, *related):
    queryset = Contact.objects.select_related("client", *related)
    return get_object_or_404(queryset, pk=kwargs["pk"], client_id=kwargs["client_pk"])


def _erasure_blockers(contact):
    try:
        erasure.check_can_erase(contact)
    except erasure.ErasureNotAllowed as error:
        return error.reasons
    return []
