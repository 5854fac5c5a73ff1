"""Staff pages of the survey builder: surveys, their questions, preview and copy."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DeleteView

from accounts import audit
from accounts.access import StaffRequiredMixin, staff_required
from accounts.models import AuditEvent
from clients.views import AuditedDeleteMixin

from ..models import Question, Survey
from . import builder, selectors
from .answers import AnswerForm, questions_of
from .filters import SurveyFilter
from .forms import QuestionForm, SurveyForm

PAGE_SIZE = 25


def page_of(request, queryset, size=PAGE_SIZE):
    # A page number out of range or mistyped shows the nearest page.
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def record(request, action, target, changes):
    audit.record(
        action=action,
        actor=request.user,
        target=target,
        changes=changes,
        request=request,
    )


# Surveys
# ---------------------------------------------------------------------------


@staff_required("feedback.view_survey")
def survey_list(request):
    filterset = SurveyFilter(request.GET, queryset=selectors.surveys_with_counts())
    ctx = {"filter": filterset, "page_obj": page_of(request, filterset.qs)}
    return render(request, "feedback/surveys/survey_list.html", ctx)


@staff_required("feedback.view_survey")
def survey_detail(request, pk):
    survey = get_object_or_404(Survey, pk=pk)
    ctx = {
        "survey": survey,
        "questions": questions_of(survey),
        "rounds": survey.rounds.order_by("-opens_at", "-pk"),
        "is_locked": survey.is_locked,
    }
    return render(request, "feedback/surveys/survey_detail.html", ctx)


@staff_required("feedback.add_survey")
def survey_create(request):
    return _survey_form_page(request, Survey(created_by=request.user))


@staff_required("feedback.change_survey")
def survey_edit(request, pk):
    return _survey_form_page(request, get_object_or_404(Survey, pk=pk))


def _survey_form_page(request, survey):
    creating = survey.pk is None
    before = {} if creating else audit.snapshot(survey, ["title", "introduction"])
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            survey = form.save()
            after = audit.snapshot(survey, ["title", "introduction"])
            action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
            changes = after if creating else audit.changed_fields(before, after)
            record(request, action, survey, changes)
        messages.success(request, f"Survey “{survey}” saved.")
        return redirect(survey.get_absolute_url())

    ctx = {"form": form, "survey": survey}
    status = 400 if form.errors else 200
    return render(request, "feedback/surveys/survey_form.html", ctx, status=status)


@require_POST
@staff_required("feedback.add_survey")
def survey_copy(request, pk):
    survey = get_object_or_404(Survey, pk=pk)
    copy = builder.copy_survey(survey=survey, actor=request.user)
    record(request, AuditEvent.Action.CREATE, copy, {"copied_from": str(survey.pk)})
    messages.success(request, f"Survey copied. You are editing “{copy}”.")
    return redirect(copy.get_absolute_url())


@staff_required("feedback.view_survey")
def survey_preview(request, pk):
    """Show the answer page as a client sees it; checking the answers saves nothing."""
    survey = get_object_or_404(Survey, pk=pk)
    questions = questions_of(survey)
    form = AnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        messages.info(request, "These answers are valid. Nothing was saved.")

    ctx = {"survey": survey, "form": form, "is_preview": True}
    status = 400 if form.errors else 200
    return render(request, "feedback/surveys/survey_preview.html", ctx, status=status)


class SurveyDeleteView(StaffRequiredMixin, AuditedDeleteMixin, DeleteView):
    permission_required = "feedback.delete_survey"
    model = Survey
    template_name = "clients/confirm_delete.html"

    def get_success_url(self):
        return reverse("surveys:survey_list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequences"] = [f"its {self.object.questions.count()} questions"]
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


# Questions
# ---------------------------------------------------------------------------


def _unlocked_survey_or_redirect(request, survey_pk):
    """Return the survey, or a redirect with a message if a round has been sent."""
    survey = get_object_or_404(Survey, pk=survey_pk)
    if survey.is_locked:
        messages.error(
            request,
            "This survey has been sent, so its questions cannot change. Copy the "
            "survey and edit the copy.",
        )
        return None, redirect(survey.get_absolute_url())
    return survey, None


@staff_required("feedback.change_survey")
def question_create(request, survey_pk):
    survey, refusal = _unlocked_survey_or_redirect(request, survey_pk)
    if refusal:
        return refusal

    return _question_form_page(request, Question(survey=survey))


@staff_required("feedback.change_survey")
def question_edit(request, survey_pk, pk):
    survey, refusal = _unlocked_survey_or_redirect(request, survey_pk)
    if refusal:
        return refusal

    question = get_object_or_404(Question, survey=survey, pk=pk)
    return _question_form_page(request, question)


def _question_form_page(request, question):
    creating = question.pk is None
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            question = builder.save_question(
                question=form.save(commit=False),
                choice_labels=form.cleaned_data["choice_labels"],
            )
            changes = audit.snapshot(question, ["kind", "text", "required"])
            changes["choices"] = form.cleaned_data["choice_labels"]
            action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
            record(request, action, question, changes)
        messages.success(request, "Question saved.")
        return redirect(question.survey.get_absolute_url() + f"#question-{question.pk}")

    ctx = {"form": form, "question": question, "survey": question.survey}
    status = 400 if form.errors else 200
    return render(request, "feedback/surveys/question_form.html", ctx, status=status)


@require_POST
@staff_required("feedback.change_survey")
def question_move(request, survey_pk, pk):
    survey, refusal = _unlocked_survey_or_redirect(request, survey_pk)
    if refusal:
        return refusal

    question = get_object_or_404(Question, survey=survey, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    if builder.move_question(question=question, offset=offset):
        record(
            request,
            AuditEvent.Action.UPDATE,
            question,
            {"moved": "up" if offset < 0 else "down"},
        )
    return redirect(survey.get_absolute_url() + f"#question-{question.pk}")


@staff_required("feedback.change_survey")
def question_delete(request, survey_pk, pk):
    survey, refusal = _unlocked_survey_or_redirect(request, survey_pk)
    if refusal:
        return refusal

    question = get_object_or_404(Question, survey=survey, pk=pk)
    if request.method == "POST":
        with transaction.atomic():
            record(
                request, AuditEvent.Action.DELETE, question, audit.snapshot(question)
            )
            question.delete()
        messages.success(request, "Question deleted.")
        return redirect(survey.get_absolute_url())

    ctx = {
        "object": question,
        "consequences": [f"its {question.choices.count()} choices"]
        if question.has_choices
        else [],
        "cancel_url": survey.get_absolute_url(),
    }
    return render(request, "clients/confirm_delete.html", ctx)
