"""Follow-ups that a low survey score creates in the client contact log."""

import logging

from django.conf import settings
from django.utils import timezone

from clients.models import Interaction, KeyAccount
from clients.working_days import add_working_days

from ..models import Answer, Invitation, Question, Response

logger = logging.getLogger(__name__)


def is_low_score(question: Question, score: int | None) -> bool:
    """Return whether a score is at or below the low mark for its question kind."""
    if score is None:
        return False
    if question.kind == Question.Kind.RATING:
        return score <= settings.SURVEY_LOW_RATING
    if question.kind == Question.Kind.NPS:
        return score <= settings.SURVEY_LOW_NPS
    return False


def create_low_score_follow_up(
    *, response: Response, answers: list[Answer], invitation: Invitation
) -> Interaction | None:
    """Log a follow-up for the client's owner if any answer is a low score.

    Returns the new interaction, or None when no score is low or the client
    has no active relationship owner. In a round that is not named, the
    summary names no contact.
    """
    low = [a for a in answers if is_low_score(a.question, a.score)]
    if not low:
        return None

    client = invitation.contact.client
    owner = _account_owner(client)
    if owner is None or not owner.is_active:
        logger.warning(
            "Survey response %s has a low score but client %s has no active "
            "relationship owner, so no follow-up was created",
            response.pk,
            client.pk,
        )
        return None

    now = timezone.now()
    interaction = Interaction.objects.create(
        client=client,
        staff=owner,
        occurred_at=now,
        channel=Interaction.Channel.EMAIL,
        kind=Interaction.Kind.SERVICE_QUERY,
        summary=_summary(response, low, invitation),
        follow_up_action="Contact the client about their low survey score",
        follow_up_due=add_working_days(
            timezone.localdate(now), settings.SURVEY_FOLLOW_UP_WORKING_DAYS
        ),
    )
    if response.round.is_named:
        interaction.contacts.add(invitation.contact)
    return interaction


def _summary(response: Response, low: list[Answer], invitation: Invitation) -> str:
    survey_round = response.round
    who = (
        invitation.contact.full_name
        if survey_round.is_named
        else "An anonymous contact"
    )
    scores = "; ".join(
        f"{a.score} out of {a.question.scale[-1]} for “{a.question.text}”" for a in low
    )
    return (
        f"{who} gave a low score in the survey round “{survey_round.name}”: "
        f"{scores}. Response {response.pk}."
    )


def _account_owner(client):
    """Return the key account owner of a key account client, else its owner."""
    key_account = KeyAccount.objects.filter(client=client).select_related("owner")
    account = key_account.first()
    if account is not None and account.owner.is_active:
        return account.owner
    return client.relationship_owner
