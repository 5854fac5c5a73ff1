"""Demo surveys for ``seed_demo``: one closed round with responses, one open round.

It runs after the clients and contacts of the demo are loaded, and replaces
the demo surveys of an earlier run. Every choice comes from a generator with
a fixed seed, so the content is the same on every load.
"""

import random
from datetime import date, datetime, timedelta

from accounts.models import StaffProfile
from clients.models import Client, Contact

from ..models import (
    Answer,
    Invitation,
    Question,
    QuestionChoice,
    Response,
    Survey,
    SurveyRound,
    YouSaidWeDid,
)

RANDOM_SEED = 5
SURVEY_TITLE = "Client satisfaction survey"
QUESTIONS = [
    ("rating", "Overall, how satisfied are you with the legal service?", []),
    ("rating", "How satisfied are you with how quickly we responded?", []),
    ("nps", "How likely are you to recommend us to a colleague?", []),
    (
        "single_choice",
        "How do you usually instruct us?",
        ["Email", "Phone", "The client portal", "In a meeting"],
    ),
    (
        "multiple_choice",
        "What did we do well?",
        ["Clear advice", "Speed", "Keeping you informed", "Value for money"],
    ),
    ("free_text", "What one thing should we improve?", []),
]
COMMENTS = [
    "Advice was clear and practical.",
    "It took a while to get the first reply.",
    "A named lawyer for our school would help.",
    "Please explain the likely costs at the start.",
    "Very helpful with our lease renewal.",
    "More updates while the matter is open, please.",
]
# Rating weights for 1 to 5 and NPS weights for 0 to 10: mostly content.
RATING_WEIGHTS = [1, 2, 4, 10, 9]
NPS_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 8, 9, 8]
YOU_SAID_WE_DID = [
    (
        "First replies to new instructions were slow.",
        "Every new instruction now gets an acknowledgement within two working days.",
    ),
    (
        "Schools wanted to know who to call.",
        "Each school now has a named lawyer, shown in the client portal.",
    ),
]


def load_survey_demo(*, today: date, now: datetime) -> None:
    rng = random.Random(RANDOM_SEED)
    _delete_earlier_demo()
    survey = _create_survey()
    closed = SurveyRound.objects.create(
        survey=survey,
        name="Schools and parish councils, autumn",
        audience=SurveyRound.Audience.CLIENT_KIND,
        client_kinds=[Client.Kind.SCHOOL, Client.Kind.PARISH_COUNCIL],
        opens_at=now - timedelta(days=120),
        closes_at=now - timedelta(days=92),
        status=SurveyRound.Status.CLOSED,
        launched_at=now - timedelta(days=120),
        closed_at=now - timedelta(days=92),
    )
    _invite_and_answer(rng, closed, now=now, limit=40, share_answered=0.6)
    open_round = SurveyRound.objects.create(
        survey=survey,
        name="Internal clients, spring",
        audience=SurveyRound.Audience.CLIENT_KIND,
        client_kinds=[Client.Kind.INTERNAL_DIRECTORATE, Client.Kind.INTERNAL_SERVICE],
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=18),
        status=SurveyRound.Status.OPEN,
        launched_at=now - timedelta(days=10),
    )
    _invite_and_answer(rng, open_round, now=now, limit=30, share_answered=0.3)
    YouSaidWeDid.objects.bulk_create(
        YouSaidWeDid(
            round=closed,
            you_said=said,
            we_did=did,
            done_on=today - timedelta(days=60),
            is_published=True,
            published_at=now - timedelta(days=60),
        )
        for said, did in YOU_SAID_WE_DID
    )


def _delete_earlier_demo():
    YouSaidWeDid.objects.filter(you_said__in=[s for s, _d in YOU_SAID_WE_DID]).delete()
    SurveyRound.objects.filter(survey__title=SURVEY_TITLE).delete()
    Survey.objects.filter(title=SURVEY_TITLE).delete()


def _create_survey() -> Survey:
    survey = Survey.objects.create(
        title=SURVEY_TITLE,
        introduction="Six short questions about the legal service's work for you.",
    )
    for position, (kind, text, labels) in enumerate(QUESTIONS):
        question = Question.objects.create(
            survey=survey,
            position=position,
            kind=kind,
            text=text,
            required=kind in Question.SCORE_KINDS,
        )
        QuestionChoice.objects.bulk_create(
            QuestionChoice(question=question, position=index, label=label)
            for index, label in enumerate(labels)
        )
    return survey


def _invite_and_answer(rng, survey_round, *, now, limit, share_answered):
    contacts = list(
        Contact.objects.filter(
            client__kind__in=survey_round.client_kinds,
            client__status=Client.Status.ACTIVE,
            is_active=True,
        )
        .exclude(email="")
        .select_related("client")
        .order_by("pk")[:limit]
    )
    sent = survey_round.opens_at
    invitations = Invitation.objects.bulk_create(
        Invitation(
            round=survey_round,
            contact=contact,
            lawyer_id=contact.client.relationship_owner_id,
            created_at=sent,
            sent_at=sent,
            last_emailed_at=sent,
            next_reminder_at=sent + timedelta(days=survey_round.reminder_interval_days),
        )
        for contact in contacts
    )
    answered = [i for i in invitations if rng.random() < share_answered]
    teams = dict(StaffProfile.objects.values_list("user_id", "team_id"))
    questions = list(survey_round.survey.questions.prefetch_related("choices"))
    for invitation in answered:
        # The open round began only days ago, and no answer may be dated
        # after the moment the demo is loaded.
        answered_at = sent + timedelta(days=rng.randint(1, 14))
        invitation.responded_at = min(answered_at, now - timedelta(hours=1))
    Invitation.objects.bulk_update(answered, ["responded_at"])
    responses = Response.objects.bulk_create(
        Response(
            round=survey_round,
            client=invitation.contact.client,
            client_kind=invitation.contact.client.kind,
            lawyer_id=invitation.lawyer_id,
            team_id=teams.get(invitation.lawyer_id),
            submitted_on=invitation.responded_at.date(),
        )
        for invitation in answered
    )
    Answer.objects.bulk_create(
        answer
        for response in responses
        for question in questions
        for answer in _answers(rng, response, question)
    )


def _answers(rng, response, question):
    if question.kind == Question.Kind.RATING:
        return [
            Answer(
                response=response,
                question=question,
                score=_pick(rng, 1, RATING_WEIGHTS),
            )
        ]
    if question.kind == Question.Kind.NPS:
        return [
            Answer(
                response=response, question=question, score=_pick(rng, 0, NPS_WEIGHTS)
            )
        ]
    choices = list(question.choices.all())
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return [
            Answer(response=response, question=question, choice=rng.choice(choices))
        ]
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        ticked = rng.sample(choices, rng.randint(0, 2))
        return [Answer(response=response, question=question, choice=c) for c in ticked]
    if rng.random() < 0.5:
        return [Answer(response=response, question=question, text=rng.choice(COMMENTS))]
    return []


def _pick(rng, lowest, weights):
    return rng.choices(range(lowest, lowest + len(weights)), weights=weights)[0]
