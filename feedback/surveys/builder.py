"""Writes of the survey builder: questions with their choices, order and copies."""

from django.db import transaction
from django.db.models import Max

from accounts.models import User

from ..models import Question, QuestionChoice, Survey


def next_position(survey: Survey) -> int:
    last = survey.questions.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def save_question(*, question: Question, choice_labels: list[str]) -> Question:
    """Save a question and replace its choices with ``choice_labels``.

    Questions of other kinds keep no choices.
    """
    with transaction.atomic():
        if question.pk is None:
            question.position = next_position(question.survey)
        question.save()
        question.choices.all().delete()
        if question.has_choices:
            QuestionChoice.objects.bulk_create(
                QuestionChoice(question=question, position=index, label=label)
                for index, label in enumerate(choice_labels)
            )
    return question


def move_question(*, question: Question, offset: int) -> bool:
    """Swap the question with its neighbour ``offset`` places away (-1 or +1).

    Returns False when there is no neighbour that way. Positions are
    renumbered from 0 first, so gaps and ties left by deletions do not matter.
    """
    with transaction.atomic():
        # Locking the survey row makes two reorders of one survey take turns.
        Survey.objects.select_for_update().filter(pk=question.survey_id).first()
        ordered = list(
            Question.objects.filter(survey_id=question.survey_id).order_by(
                "position", "pk"
            )
        )
        index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        target = index + offset
        if not 0 <= target < len(ordered):
            return False
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, item in enumerate(ordered):
            item.position = position
        Question.objects.bulk_update(ordered, ["position"])
    return True


def copy_survey(*, survey: Survey, actor: User) -> Survey:
    """Copy a survey with its questions and choices, as an unsent survey."""
    with transaction.atomic():
        copy = Survey.objects.create(
            title=f"Copy of {survey.title}"[:200],
            introduction=survey.introduction,
            created_by=actor,
        )
        questions = list(survey.questions.prefetch_related("choices"))
        copies = Question.objects.bulk_create(
            Question(
                survey=copy,
                position=q.position,
                kind=q.kind,
                text=q.text,
                help_text=q.help_text,
                required=q.required,
            )
            for q in questions
        )
        QuestionChoice.objects.bulk_create(
            QuestionChoice(question=new, position=choice.position, label=choice.label)
            for old, new in zip(questions, copies, strict=True)
            for choice in old.choices.all()
        )
    return copy
