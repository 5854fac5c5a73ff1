"""Calculators over portal feedback and guidance votes."""

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from feedback.models import ArticleVote, Feedback
from kpis.choices import Direction, ScopeKind, Unit
from kpis.periods import LONDON

from . import register
from .base import AggregateCalculator, count, percentage

_FEEDBACK_SCOPES = {
    ScopeKind.TEAM: "matter__team",
    ScopeKind.CLIENT: "client",
    ScopeKind.KEY_ACCOUNT: "client__key_account",
}
_FEEDBACK_LABELS = {
    ScopeKind.TEAM: "matter__team__name",
    ScopeKind.CLIENT: "client__name",
    ScopeKind.KEY_ACCOUNT: "client__name",
}
_FEEDBACK_COLUMNS = (
    ("received_at", "Received"),
    ("client__name", "Client"),
    ("subject", "Subject"),
    ("status", "Status"),
)


class _FeedbackCount(AggregateCalculator):
    kind = ""
    unit = Unit.COUNT
    scope_paths = _FEEDBACK_SCOPES
    label_paths = _FEEDBACK_LABELS
    row_columns = _FEEDBACK_COLUMNS
    date_path = "received_at"

    def source(self, period):
        return Feedback.objects.filter(
            kind=self.kind,
            received_at__gte=period.start_at,
            received_at__lt=period.end_at,
        )

    def aggregates(self, period):
        return {"items": Count("pk")}

    def finish(self, period, values):
        return count(values["items"])


@register
class Compliments(_FeedbackCount):
    """Compliments received in the period, by the London date received."""

    code = "compliments"
    name = "Compliments received"
    kind = Feedback.Kind.COMPLIMENT
    numerator_label = "Compliments"


@register
class Complaints(_FeedbackCount):
    """Complaints received in the period, by the London date received."""

    code = "complaints"
    name = "Complaints received"
    kind = Feedback.Kind.COMPLAINT
    direction = Direction.LOWER
    numerator_label = "Complaints"


@register
class ComplaintsResolvedOnTime(AggregateCalculator):
    """Complaints resolved on or before their resolve-by date / complaints with
    a resolve-by date resolved in the period x 100, by London dates."""

    code = "complaints_resolved_on_time"
    name = "Complaints resolved on time"
    unit = Unit.PERCENT
    scope_paths = _FEEDBACK_SCOPES
    label_paths = _FEEDBACK_LABELS
    row_columns = (
        ("received_at", "Received"),
        ("client__name", "Client"),
        ("subject", "Subject"),
        ("resolve_due", "Resolve by"),
        ("resolved_at", "Resolved"),
    )
    numerator_label = "Resolved on time"
    denominator_label = "Complaints resolved"
    date_path = "resolved_at"

    def source(self, period):
        return Feedback.objects.filter(
            kind=Feedback.Kind.COMPLAINT,
            resolve_due__isnull=False,
            resolved_at__gte=period.start_at,
            resolved_at__lt=period.end_at,
        ).annotate(resolved_on=TruncDate("resolved_at", tzinfo=LONDON))

    def aggregates(self, period):
        return {
            "on_time": Count("pk", filter=Q(resolved_on__lte=F("resolve_due"))),
            "resolved": Count("pk"),
        }

    def finish(self, period, values):
        return percentage(
            values["on_time"],
            values["resolved"],
            empty_reason="No complaints were resolved in this period.",
        )


@register
class GuidanceHelpful(AggregateCalculator):
    """Votes of "helpful" / all votes on guidance articles x 100, over votes
    cast or last changed in the period."""

    code = "guidance_helpful"
    name = "Guidance marked helpful"
    unit = Unit.PERCENT
    scope_paths = {
        ScopeKind.CLIENT: "client",
        ScopeKind.KEY_ACCOUNT: "client__key_account",
    }
    label_paths = {
        ScopeKind.CLIENT: "client__name",
        ScopeKind.KEY_ACCOUNT: "client__name",
    }
    row_columns = (
        ("updated_at", "Voted"),
        ("article__title", "Article"),
        ("client__name", "Client"),
        ("helpful", "Helpful"),
    )
    numerator_label = "Helpful votes"
    denominator_label = "Votes"
    date_path = "updated_at"

    def source(self, period):
        return ArticleVote.objects.filter(
            updated_at__gte=period.start_at, updated_at__lt=period.end_at
        )

    def aggregates(self, period):
        return {"helpful": Count("pk", filter=Q(helpful=True)), "votes": Count("pk")}

    def finish(self, period, values):
        return percentage(
            values["helpful"],
            values["votes"],
            empty_reason="No guidance votes were cast in this period.",
        )
