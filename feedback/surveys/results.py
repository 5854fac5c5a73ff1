"""Results of a survey round: response rate, CSAT, mean rating, NPS, distributions.

Every figure comes from counts per score or choice that one grouped query
returns, so the number of queries does not grow with the responses.

- CSAT is the share of rating answers that are 4 or 5.
- NPS is the percentage of NPS answers of 9 or 10 (promoters) minus the
  percentage of 0 to 6 (detractors), from -100 to 100.

Percentages are rounded half up to one decimal place, and the mean rating
to two, once, at the end.

The counts of a round with thousands of responses take tens of
milliseconds. Managers read the same results many times between two
responses, so ``CachedResults`` keeps them in the process's cache under a
key that changes with the round's responses.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet

from ..models import Answer, Invitation, Question, Response, SurveyRound

ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")
SATISFIED_RATINGS = (4, 5)
PROMOTER_SCORES = (9, 10)
DETRACTOR_SCORES = tuple(range(0, 7))
# A bound on how long results can lag a change that leaves the round's count
# and latest response as they were, such as a lawyer's account being deleted.
RESULTS_CACHE_SECONDS = 10 * 60


def percentage(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, ROUND_HALF_UP)


def csat(counts: dict[int, int]) -> Decimal | None:
    """Return the share of ratings that are 4 or 5 as a percentage, or None."""
    satisfied = sum(counts.get(score, 0) for score in SATISFIED_RATINGS)
    return percentage(satisfied, sum(counts.values()))


def mean_score(counts: dict[int, int]) -> Decimal | None:
    total = sum(counts.values())
    if not total:
        return None
    points = sum(score * count for score, count in counts.items())
    return (Decimal(points) / Decimal(total)).quantize(TWO_PLACES, ROUND_HALF_UP)


def nps(counts: dict[int, int]) -> Decimal | None:
    """Return the percentage of 9 and 10 minus that of 0 to 6, or None."""
    total = sum(counts.values())
    if not total:
        return None
    promoters = sum(counts.get(score, 0) for score in PROMOTER_SCORES)
    detractors = sum(counts.get(score, 0) for score in DETRACTOR_SCORES)
    net = Decimal(promoters - detractors) * 100 / Decimal(total)
    return net.quantize(ONE_PLACE, ROUND_HALF_UP)


@dataclass
class DistributionRow:
    label: str
    count: int
    percent: Decimal | None


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list[DistributionRow] = field(default_factory=list)
    csat: Decimal | None = None
    mean: Decimal | None = None
    nps: Decimal | None = None

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.question.pk}"

    @property
    def has_chart(self) -> bool:
        return self.question.kind != Question.Kind.FREE_TEXT

    def chart_data(self) -> dict:
        return {
            "title": self.question.text,
            "labels": [row.label for row in self.rows],
            "counts": [row.count for row in self.rows],
        }


@dataclass
class RoundResults:
    invited: int
    responses: int
    questions: list[QuestionResult]
    rating_counts: dict[int, int]
    nps_counts: dict[int, int]

    @property
    def response_rate(self) -> Decimal | None:
        return percentage(self.responses, self.invited)

    @property
    def csat(self) -> Decimal | None:
        return csat(self.rating_counts)

    @property
    def mean_rating(self) -> Decimal | None:
        return mean_score(self.rating_counts)

    @property
    def nps(self) -> Decimal | None:
        return nps(self.nps_counts)


def filtered_responses(survey_round: SurveyRound, filters: dict) -> QuerySet[Response]:
    """Return the round's responses narrowed by ``kind``, ``team`` and ``lawyer``."""
    responses = Response.objects.filter(round=survey_round)
    if "kind" in filters:
        responses = responses.filter(client_kind=filters["kind"])
    if "team" in filters:
        responses = responses.filter(team=filters["team"])
    if "lawyer" in filters:
        responses = responses.filter(lawyer=filters["lawyer"])
    return responses


def filtered_invitations(
    survey_round: SurveyRound, filters: dict
) -> QuerySet[Invitation]:
    """Return the round's sent invitations, narrowed like ``filtered_responses``."""
    invitations = Invitation.objects.filter(round=survey_round, sent_at__isnull=False)
    if "kind" in filters:
        invitations = invitations.filter(contact__client__kind=filters["kind"])
    if "team" in filters:
        invitations = invitations.filter(lawyer__profile__team=filters["team"])
    if "lawyer" in filters:
        invitations = invitations.filter(lawyer=filters["lawyer"])
    return invitations


class CachedResults:
    """A round's figures and comment order, worked out again only after its
    responses change.

    The key contains the number of the round's responses and the latest one's
    id, so a new or deleted response gives a new key. Only figures and
    answer ids are kept: the comments' text is read on every request, so a
    comment erased or anonymised since is never shown from the cache.
    """

    def __init__(self, survey_round: SurveyRound, filters: dict):
        self.survey_round = survey_round
        self.filters = filters
        version = Response.objects.filter(round=survey_round).aggregate(
            count=Count("pk"), latest=Max("pk")
        )
        filter_key = ",".join(
            f"{name}={getattr(value, 'pk', value)}"
            for name, value in sorted(filters.items())
        )
        self.key = (
            f"survey-results:{survey_round.pk}:{version['count']}:"
            f"{version['latest']}:{filter_key}"
        )

    def results(self, questions: list[Question]) -> RoundResults:
        figures = cache.get(self.key)
        if figures is None:
            figures = round_results(self.survey_round, questions, self.filters)
            cache.set(self.key, figures, RESULTS_CACHE_SECONDS)
            return figures
        # Sending the round changes the invitations and not the responses.
        figures.invited = filtered_invitations(self.survey_round, self.filters).count()
        return figures

    def comment_ids(self) -> list[int]:
        key = f"{self.key}:comments"
        ids = cache.get(key)
        if ids is None:
            comments = free_text_comments(self.survey_round, self.filters)
            ids = list(comments.values_list("pk", flat=True))
            cache.set(key, ids, RESULTS_CACHE_SECONDS)
        return ids


def round_results(
    survey_round: SurveyRound, questions: list[Question], filters: dict
) -> RoundResults:
    """Compute the round's results over the responses that match ``filters``.

    ``questions`` are the survey's questions with their choices prefetched.
    """
    responses = filtered_responses(survey_round, filters)
    counts = _answer_counts(responses)
    respondents = _respondents_per_question(responses)
    results = [
        _question_result(q, counts.get(q.pk, {}), respondents.get(q.pk, 0))
        for q in questions
    ]
    rating_counts, nps_counts = defaultdict(int), defaultdict(int)
    for question in questions:
        totals = rating_counts if question.kind == Question.Kind.RATING else nps_counts
        if question.kind in Question.SCORE_KINDS:
            for score, count in counts.get(question.pk, {}).items():
                totals[score] += count
    return RoundResults(
        invited=filtered_invitations(survey_round, filters).count(),
        responses=responses.count(),
        questions=results,
        rating_counts=dict(rating_counts),
        nps_counts=dict(nps_counts),
    )


def _answer_counts(responses: QuerySet[Response]) -> dict[int, dict]:
    """Map question id to {score or choice id: number of answers}."""
    rows = (
        Answer.objects.filter(response__in=responses)
        .exclude(question__kind=Question.Kind.FREE_TEXT)
        .values("question_id", "question__kind", "score", "choice_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = defaultdict(dict)
    for row in rows:
        is_score = row["question__kind"] in Question.SCORE_KINDS
        key = row["score"] if is_score else row["choice_id"]
        counts[row["question_id"]][key] = row["count"]
    return counts


def _respondents_per_question(responses: QuerySet[Response]) -> dict[int, int]:
    """Map question id to the number of responses that answered it."""
    rows = (
        Answer.objects.filter(response__in=responses)
        .values("question_id")
        .annotate(count=Count("response_id", distinct=True))
        .order_by()
    )
    return {row["question_id"]: row["count"] for row in rows}


def _question_result(
    question: Question, counts: dict, respondents: int
) -> QuestionResult:
    result = QuestionResult(question=question, answered=respondents)
    if question.kind == Question.Kind.FREE_TEXT:
        return result
    if question.kind in Question.SCORE_KINDS:
        options = [(score, str(score)) for score in question.scale]
    else:
        options = [(choice.pk, choice.label) for choice in question.choices.all()]
    # A multiple choice answer counts once per ticked choice, so each
    # percentage is of the responses that answered, and they can add up to
    # more than 100.
    result.rows = [
        DistributionRow(
            label, counts.get(key, 0), percentage(counts.get(key, 0), respondents)
        )
        for key, label in options
    ]
    if question.kind == Question.Kind.RATING:
        result.csat, result.mean = csat(counts), mean_score(counts)
    elif question.kind == Question.Kind.NPS:
        result.nps = nps(counts)
    return result


def free_text_comments(survey_round: SurveyRound, filters: dict) -> QuerySet[Answer]:
    """Non-empty free-text answers, with the contact only in a named round."""
    answers = (
        Answer.objects.filter(response__in=filtered_responses(survey_round, filters))
        .filter(question__kind=Question.Kind.FREE_TEXT)
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "question_id", "pk")
    )
    if survey_round.is_named:
        answers = answers.select_related(
            "response__invitation__contact__client", "response__client"
        )
    return answers


def comments_in_order(survey_round: SurveyRound, ids: list[int]) -> list[Answer]:
    """Return the comments with these ids, in that order, as still stored."""
    answers = free_text_comments(survey_round, {}).in_bulk(ids)
    return [answers[pk] for pk in ids if pk in answers]
