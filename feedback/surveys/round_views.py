"""Staff pages of survey rounds: set up, launch, pause, resume and close."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DeleteView

from accounts import audit
from accounts.access import StaffRequiredMixin, staff_required
from accounts.models import AuditEvent
from clients.views import AuditedDeleteMixin

from ..models import SurveyRound
from . import rounds, selectors
from .builder_views import page_of, record
from .filters import RoundFilter
from .forms import RoundForm

AUDIT_FIELDS = [
    "survey",
    "name",
    "audience",
    "client_kinds",
    "team",
    "contacts",
    "opens_at",
    "closes_at",
    "max_reminders",
    "reminder_interval_days",
    "is_named",
]


@staff_required("feedback.view_surveyround")
def round_list(request):
    filterset = RoundFilter(request.GET, queryset=selectors.rounds_with_counts())
    ctx = {"filter": filterset, "page_obj": page_of(request, filterset.qs)}
    return render(request, "feedback/surveys/round_list.html", ctx)


@staff_required("feedback.view_surveyround")
def round_detail(request, pk):
    survey_round = get_object_or_404(
        SurveyRound.objects.select_related("survey", "team"), pk=pk
    )
    counts = survey_round.invitations.aggregate(
        invited=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        reminded=Count("pk", filter=Q(reminders_sent__gt=0)),
        responded=Count("pk", filter=Q(responded_at__isnull=False)),
    )
    ctx = {
        "round": survey_round,
        "counts": counts,
        "named_contacts": survey_round.contacts.select_related("client").order_by(
            "full_name"
        )[:50],
        "audience_size": (
            rounds.audience_contacts(survey_round).count()
            if survey_round.is_draft
            else None
        ),
    }
    return render(request, "feedback/surveys/round_detail.html", ctx)


@staff_required("feedback.add_surveyround")
def round_create(request):
    survey_round = SurveyRound(created_by=request.user)
    survey_id = request.GET.get("survey", "")
    initial = {"survey": survey_id} if survey_id.isdigit() else {}
    return _round_form_page(request, survey_round, initial)


@staff_required("feedback.change_surveyround")
def round_edit(request, pk):
    survey_round = get_object_or_404(SurveyRound, pk=pk)
    if not survey_round.is_draft:
        messages.error(
            request, "Only a draft round can be edited. This one has been launched."
        )
        return redirect(survey_round.get_absolute_url())

    return _round_form_page(request, survey_round, {})


def _round_form_page(request, survey_round, initial):
    creating = survey_round.pk is None
    before = {} if creating else audit.snapshot(survey_round, AUDIT_FIELDS)
    form = RoundForm(request.POST or None, instance=survey_round, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            survey_round = form.save()
            after = audit.snapshot(survey_round, AUDIT_FIELDS)
            action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
            changes = after if creating else audit.changed_fields(before, after)
            record(request, action, survey_round, changes)
        messages.success(request, f"Round “{survey_round}” saved as a draft.")
        return redirect(survey_round.get_absolute_url())

    ctx = {"form": form, "round": survey_round}
    status = 400 if form.errors else 200
    return render(request, "feedback/surveys/round_form.html", ctx, status=status)


@staff_required("feedback.change_surveyround")
def round_launch(request, pk):
    """Confirm, then launch: invitations are created and their emails queued."""
    survey_round = get_object_or_404(
        SurveyRound.objects.select_related("survey"), pk=pk
    )
    if request.method == "POST":
        try:
            count = rounds.launch_round(survey_round=survey_round, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(survey_round.get_absolute_url())
        messages.success(
            request,
            f"Round launched. {count} invitation{'s' if count != 1 else ''} "
            "are being sent.",
        )
        return redirect(survey_round.get_absolute_url())

    ctx = {
        "round": survey_round,
        "audience_size": rounds.audience_contacts(survey_round).count(),
        "now": timezone.now(),
    }
    return render(request, "feedback/surveys/round_launch.html", ctx)


@require_POST
@staff_required("feedback.change_surveyround")
def round_pause(request, pk):
    return _change_status(request, pk, rounds.pause_round, "Round paused.")


@require_POST
@staff_required("feedback.change_surveyround")
def round_resume(request, pk):
    return _change_status(request, pk, rounds.resume_round, "Round resumed.")


@staff_required("feedback.change_surveyround")
def round_close(request, pk):
    if request.method == "POST":
        return _change_status(request, pk, rounds.close_round, "Round closed.")

    survey_round = get_object_or_404(SurveyRound, pk=pk)
    ctx = {"round": survey_round}
    return render(request, "feedback/surveys/round_close.html", ctx)


def _change_status(request, pk, change, success_message):
    survey_round = get_object_or_404(SurveyRound, pk=pk)
    try:
        change(survey_round=survey_round, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect(survey_round.get_absolute_url())


class RoundDeleteView(StaffRequiredMixin, AuditedDeleteMixin, DeleteView):
    """Delete a draft round; a launched round is closed instead."""

    permission_required = "feedback.delete_surveyround"
    model = SurveyRound
    template_name = "clients/confirm_delete.html"

    def get_queryset(self):
        return SurveyRound.objects.filter(status=SurveyRound.Status.DRAFT)

    def get_success_url(self):
        return reverse("surveys:round_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx
