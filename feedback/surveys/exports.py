"""CSV and XLSX exports of a round's responses, one row per response.

Contact names and email addresses appear only for named rounds. Cells that a
spreadsheet would run as a formula are prefixed with an apostrophe.
"""

import csv
import io
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook

from ..models import Answer, Question, Response, SurveyRound

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Return ``value``, with text that a spreadsheet would run made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header(survey_round: SurveyRound, questions: list[Question]) -> list[str]:
    columns = ["Response", "Submitted on", "Client kind", "Team", "Lawyer"]
    if survey_round.is_named:
        columns += ["Client", "Contact", "Contact email"]
    return columns + [question.text for question in questions]


def rows(
    survey_round: SurveyRound, questions: list[Question], responses: QuerySet[Response]
) -> Iterator[list]:
    """Yield the header, then one row per response in submission order."""
    yield [neutralise(cell) for cell in header(survey_round, questions)]
    responses = responses.select_related("team", "lawyer").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("choice"))
    )
    if survey_round.is_named:
        responses = responses.select_related("client", "invitation__contact")
    for response in responses.order_by("pk"):
        yield [neutralise(cell) for cell in _row(survey_round, questions, response)]


def _row(survey_round, questions, response) -> list:
    row = [
        response.pk,
        response.submitted_on.isoformat(),
        response.get_client_kind_display(),
        str(response.team or ""),
        str(response.lawyer or ""),
    ]
    if survey_round.is_named:
        contact = response.invitation.contact if response.invitation else None
        row += [
            response.client.name,
            contact.full_name if contact else "",
            contact.email if contact else "",
        ]
    by_question = {}
    for answer in response.answers.all():
        by_question.setdefault(answer.question_id, []).append(answer)
    return row + [_cell(q, by_question.get(q.pk, [])) for q in questions]


def _cell(question: Question, answers: list[Answer]):
    if not answers:
        return ""
    if question.kind in Question.SCORE_KINDS:
        return answers[0].score
    if question.has_choices:
        return "; ".join(answer.choice.label for answer in answers)
    return answers[0].text


def csv_bytes(table: Iterator[list]) -> bytes:
    # A byte order mark, so that Excel opens the file as UTF-8.
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(table)
    return buffer.getvalue().encode()


def xlsx_bytes(table: Iterator[list], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    # Excel limits sheet titles to 31 characters and forbids some symbols.
    safe_title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Results"
    sheet = workbook.create_sheet(safe_title)
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
