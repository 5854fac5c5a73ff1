"""Calculators over survey invitations, responses and answers."""

from django.db.models import Count, Q

from feedback.models import Answer, Invitation
from kpis.choices import ScopeKind, Unit

from . import register
from .base import AggregateCalculator, Result, as_decimal, percentage, rounded

_ANSWER_SCOPES = {
    ScopeKind.TEAM: "response__team",
    ScopeKind.CLIENT: "response__client",
    ScopeKind.KEY_ACCOUNT: "response__client__key_account",
}
_ANSWER_LABELS = {
    ScopeKind.TEAM: "response__team__name",
    ScopeKind.CLIENT: "response__client__name",
    ScopeKind.KEY_ACCOUNT: "response__client__name",
}
_ANSWER_COLUMNS = (
    ("response__submitted_on", "Submitted on"),
    ("response__round__name", "Survey round"),
    ("response__client__name", "Client"),
    ("question__text", "Question"),
    ("score", "Score"),
)


def _answers(period, kind):
    return Answer.objects.filter(
        question__kind=kind,
        score__isnull=False,
        response__submitted_on__gte=period.start,
        response__submitted_on__lt=period.end,
    )


@register
class ClientSatisfaction(AggregateCalculator):
    """Satisfied answers / all answers to 1-5 rating questions x 100, over
    responses submitted in the period. An answer of 4 or 5 is satisfied."""

    code = "csat"
    name = "Client satisfaction (CSAT)"
    unit = Unit.PERCENT
    scope_paths = _ANSWER_SCOPES
    label_paths = _ANSWER_LABELS
    row_columns = _ANSWER_COLUMNS
    numerator_label = "Answers of 4 or 5"
    denominator_label = "Rating answers"
    date_path = "response__submitted_on"

    def source(self, period):
        return _answers(period, "rating")

    def aggregates(self, period):
        return {"satisfied": Count("pk", filter=Q(score__gte=4)), "total": Count("pk")}

    def finish(self, period, values):
        return percentage(
            values["satisfied"],
            values["total"],
            empty_reason="No rating answers were submitted in this period.",
        )


@register
class NetPromoterScore(AggregateCalculator):
    """(Promoters - detractors) / all answers to 0-10 likelihood-to-recommend
    questions x 100, over responses submitted in the period. Promoters answer
    9 or 10 and detractors 0 to 6."""

    code = "nps"
    name = "Net Promoter Score (NPS)"
    unit = Unit.SCORE
    scope_paths = _ANSWER_SCOPES
    label_paths = _ANSWER_LABELS
    row_columns = _ANSWER_COLUMNS
    numerator_label = "Promoters minus detractors"
    denominator_label = "NPS answers"
    date_path = "response__submitted_on"

    def source(self, period):
        return _answers(period, "nps")

    def aggregates(self, period):
        return {
            "promoters": Count("pk", filter=Q(score__gte=9)),
            "detractors": Count("pk", filter=Q(score__lte=6)),
            "total": Count("pk"),
        }

    def finish(self, period, values):
        net = as_decimal(values["promoters"]) - as_decimal(values["detractors"])
        total = as_decimal(values["total"])
        if total == 0:
            reason = "No likelihood-to-recommend answers were submitted in this period."
            return Result(None, net, total, reason)
        return Result(rounded(net * 100 / total), net, total)


@register
class SurveyResponseRate(AggregateCalculator):
    """Invitations answered / invitations first emailed in the period x 100."""

    code = "survey_response_rate"
    name = "Survey response rate"
    unit = Unit.PERCENT
    scope_paths = {
        ScopeKind.TEAM: "lawyer__profile__team",
        ScopeKind.CLIENT: "contact__client",
        ScopeKind.KEY_ACCOUNT: "contact__client__key_account",
    }
    label_paths = {
        ScopeKind.TEAM: "lawyer__profile__team__name",
        ScopeKind.CLIENT: "contact__client__name",
        ScopeKind.KEY_ACCOUNT: "contact__client__name",
    }
    row_columns = (
        ("sent_at", "First emailed"),
        ("round__name", "Survey round"),
        ("contact__client__name", "Client"),
        ("responded_at", "Responded"),
    )
    numerator_label = "Invitations answered"
    denominator_label = "Invitations sent"
    date_path = "sent_at"

    def source(self, period):
        return Invitation.objects.filter(
            sent_at__gte=period.start_at, sent_at__lt=period.end_at
        )

    def aggregates(self, period):
        return {
            "answered": Count("pk", filter=Q(responded_at__isnull=False)),
            "sent": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["answered"],
            values["sent"],
            empty_reason="No survey invitations were sent in this period.",
        )
