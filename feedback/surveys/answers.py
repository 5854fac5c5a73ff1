"""The answer form of a survey, and recording a submitted response once."""

import logging
from datetime import datetime

from django import forms
from django.db import transaction
from django.utils import timezone

from accounts.models import StaffProfile

from ..models import Answer, Invitation, Question, Response, Survey
from .followups import create_low_score_follow_up
from .tokens import MAX_TOKEN_LENGTH, hash_token

logger = logging.getLogger(__name__)

MAX_ANSWER_LENGTH = 5000


class AlreadyAnswered(Exception):
    """The invitation has a response already, from another tab or click."""


MAX_ROUND_ID = 2**63 - 1


def find_invitation(*, round_id: int, token: str) -> Invitation | None:
    """Return the invitation of the round that ``token`` belongs to, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    # A round id from the link beyond a 64-bit integer would make the database
    # driver raise (SQLite's does) rather than match nothing.
    if round_id > MAX_ROUND_ID:
        return None
    return (
        Invitation.objects.filter(
            round_id=round_id, tokens__token_hash=hash_token(token)
        )
        .select_related("round__survey", "contact__client")
        .first()
    )


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices").order_by("position", "pk"))


class AnswerForm(forms.Form):
    """One field per question, named ``q<question id>``."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[self.field_name(question)] = _field_for(question)

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    def bound_questions(self):
        """Pairs of question and bound field, in the survey's order."""
        return [(q, self[self.field_name(q)]) for q in self.questions]

    def answers(self) -> list[Answer]:
        """Build unsaved answers from the cleaned data, leaving out blanks."""
        answers = []
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question))
            answers.extend(_answers_for(question, value))
        return answers


def _field_for(question: Question) -> forms.Field:
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "error_messages": {"required": _required_message(question)},
    }
    if question.kind in Question.SCORE_KINDS:
        choices = [(str(score), str(score)) for score in question.scale]
        return forms.TypedChoiceField(
            choices=choices, coerce=int, widget=forms.RadioSelect, **common
        )
    options = [(str(choice.pk), choice.label) for choice in question.choices.all()]
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return forms.TypedChoiceField(
            choices=options, coerce=int, widget=forms.RadioSelect, **common
        )
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return forms.TypedMultipleChoiceField(
            choices=options, coerce=int, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(
        max_length=MAX_ANSWER_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
        **common,
    )


def _required_message(question: Question) -> str:
    if question.kind in Question.SCORE_KINDS:
        return "Choose a score for this question."
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return "Choose one option."
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return "Tick at least one option."
    return "Write an answer to this question."


def _answers_for(question: Question, value) -> list[Answer]:
    if value in (None, "", []):
        return []
    if question.kind in Question.SCORE_KINDS:
        return [Answer(question=question, score=value)]
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return [Answer(question=question, choice_id=value)]
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return [Answer(question=question, choice_id=pk) for pk in sorted(set(value))]
    return [Answer(question=question, text=value)]


def submit_response(
    *, invitation: Invitation, answers: list[Answer], now: datetime | None = None
) -> Response:
    """Record the invitation's response and answers, or raise ``AlreadyAnswered``.

    Marking the invitation answered is a conditional ``UPDATE`` in the same
    transaction as the inserts, so of two submissions at once the second one
    waits for the first, then matches no row and records nothing.
    """
    now = now or timezone.now()
    survey_round = invitation.round
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk, responded_at__isnull=True
        ).update(responded_at=now, next_reminder_at=None)
        if not claimed:
            raise AlreadyAnswered
        response = Response.objects.create(
            round=survey_round,
            invitation=invitation if survey_round.is_named else None,
            client=invitation.contact.client,
            client_kind=invitation.contact.client.kind,
            lawyer_id=invitation.lawyer_id,
            team_id=_team_of(invitation.lawyer_id),
            submitted_on=timezone.localdate(now),
        )
        for answer in answers:
            answer.response = response
        Answer.objects.bulk_create(answers)
        follow_up = create_low_score_follow_up(
            response=response, answers=answers, invitation=invitation
        )
        if follow_up is not None:
            response.follow_up = follow_up
            response.save(update_fields=["follow_up"])
    logger.info("Survey round %s received a response", survey_round.pk)
    return response


def _team_of(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return (
        StaffProfile.objects.filter(user_id=user_id)
        .values_list("team_id", flat=True)
        .first()
    )
