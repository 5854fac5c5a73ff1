"""Staff pages of survey results, and their CSV and XLSX exports."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify

from accounts.access import staff_required
from accounts.models import AuditEvent

from ..models import SurveyRound
from . import exports, results
from .answers import questions_of
from .builder_views import record
from .forms import ResultsFilterForm

COMMENTS_PAGE_SIZE = 20
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _round_and_filters(request, pk):
    survey_round = get_object_or_404(
        SurveyRound.objects.select_related("survey"), pk=pk
    )
    form = ResultsFilterForm(request.GET)
    return survey_round, form, form.filters()


@staff_required("feedback.view_response")
def round_results(request, pk):
    survey_round, form, filters = _round_and_filters(request, pk)
    cached = results.CachedResults(survey_round, filters)
    comments = Paginator(cached.comment_ids(), COMMENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    comments.object_list = results.comments_in_order(survey_round, comments.object_list)
    ctx = {
        "round": survey_round,
        "filter_form": form,
        "results": cached.results(questions_of(survey_round.survey)),
        "comments": comments,
    }
    return render(request, "feedback/surveys/round_results.html", ctx)


@staff_required("feedback.view_response")
def round_export(request, pk, file_type):
    survey_round, _form, filters = _round_and_filters(request, pk)
    questions = questions_of(survey_round.survey)
    responses = results.filtered_responses(survey_round, filters)
    table = exports.rows(survey_round, questions, responses)
    if file_type == "csv":
        content = exports.csv_bytes(table)
    else:
        content = exports.xlsx_bytes(table, title=survey_round.name)

    filter_text = {key: str(value) for key, value in filters.items()}
    record(
        request,
        AuditEvent.Action.EXPORT,
        survey_round,
        {"format": file_type, "filters": filter_text},
    )
    stamp = timezone.localdate().isoformat()
    name = f"{slugify(survey_round.name) or 'survey-round'}-{stamp}.{file_type}"
    response = HttpResponse(content, content_type=EXPORT_TYPES[file_type])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
