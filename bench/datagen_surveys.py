"""The last steps of ``bench.datagen.load``: survey rounds and KPI records."""

import datetime as dt

from bench.copying import copy_rows, ids

# Rounds of one survey: four closed ones, a quarter apart, and an open one.
ROUNDS = 5
CHOICES = ("Very clear", "Clear enough", "Unclear")


def load_surveys(loader) -> None:
    """Load a survey of four questions with its rounds, invitations and responses."""
    from feedback.models import Question, QuestionChoice, Survey

    survey = Survey.objects.create(
        title="Client satisfaction", created_by_id=loader.roles["practice_manager"][0]
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                survey=survey, position=1, kind="rating", text="How satisfied are you?"
            ),
            Question(
                survey=survey, position=2, kind="nps", text="Would you recommend us?"
            ),
            Question(
                survey=survey,
                position=3,
                kind="single_choice",
                text="Was our advice clear?",
            ),
            Question(
                survey=survey,
                position=4,
                kind="free_text",
                text="What could we do better?",
                required=False,
            ),
        ]
    )
    choices = QuestionChoice.objects.bulk_create(
        [
            QuestionChoice(question=questions[2], position=n, label=label)
            for n, label in enumerate(CHOICES)
        ]
    )
    rounds = _load_rounds(loader, survey)
    invitations = _load_invitations(loader, rounds)
    responses = _load_responses(loader, rounds, invitations)
    _load_answers(loader, responses, questions, [c.pk for c in choices])
    loader.survey_rounds = [r for r, _opens in rounds]


def _load_rounds(loader, survey):
    from feedback.models import SurveyRound

    rows = []
    for n in range(ROUNDS):
        is_open = n == ROUNDS - 1
        opens = loader.now - dt.timedelta(
            days=20 if is_open else 90 * (ROUNDS - n) + 20
        )
        rows.append(
            {
                "survey_id": survey.pk,
                "name": f"Satisfaction round {n + 1}",
                "audience": "client_kind",
                "client_kinds": ["internal_service", "school"],
                "opens_at": opens,
                "closes_at": opens + dt.timedelta(days=40),
                "is_named": n % 2 == 0,
                "status": "open" if is_open else "closed",
                "launched_at": opens,
                "closed_at": None if is_open else opens + dt.timedelta(days=40),
                "created_by_id": loader.roles["practice_manager"][0],
            }
        )
    copy_rows(SurveyRound, rows)
    return list(zip(ids(SurveyRound), rows, strict=True))


def _load_invitations(loader, rounds):
    """Invite a different slice of the contacts to each round, once each."""
    from feedback.models import Invitation

    per_round = loader.scale.invitations // ROUNDS
    contacts = loader.contacts
    per_client = len(contacts) // len(loader.clients)
    rows = []
    for n, (round_id, survey_round) in enumerate(rounds):
        sent = survey_round["opens_at"] + dt.timedelta(hours=1)
        for i in range(per_round):
            position = (n * per_round + i) % len(contacts)
            rows.append(
                {
                    "round_id": round_id,
                    "contact_id": contacts[position],
                    "lawyer_id": loader.owners[position // per_client],
                    "created_at": survey_round["opens_at"],
                    "sent_at": sent,
                    "last_emailed_at": sent,
                    "responded_at": None,
                }
            )
    per_response = loader.scale.responses // ROUNDS
    for n in range(ROUNDS):
        for row in rows[n * per_round : n * per_round + per_response]:
            row["responded_at"] = row["sent_at"] + dt.timedelta(days=3)
    copy_rows(Invitation, rows)
    return list(zip(ids(Invitation), rows, strict=True))


def _load_responses(loader, rounds, invitations):
    from feedback.models import Response

    named = {round_id for round_id, row in rounds if row["is_named"]}
    per_client = len(loader.contacts) // len(loader.clients)
    index_of_contact = {contact: n for n, contact in enumerate(loader.contacts)}
    rows = []
    for invitation_id, invitation in invitations:
        if invitation["responded_at"] is None:
            continue
        c = index_of_contact[invitation["contact_id"]] // per_client
        rows.append(
            {
                "round_id": invitation["round_id"],
                "invitation_id": invitation_id
                if invitation["round_id"] in named
                else None,
                "client_id": loader.clients[c],
                "client_kind": loader.client_kinds[c],
                "lawyer_id": invitation["lawyer_id"],
                "team_id": loader.team_of[invitation["lawyer_id"]],
                "submitted_on": invitation["responded_at"].date(),
            }
        )
    copy_rows(Response, rows)
    return ids(Response)


def _load_answers(loader, responses, questions, choices) -> None:
    from feedback.models import Answer

    rng = loader.rng
    rating, nps, single, free_text = questions

    def answers(response):
        yield {
            "response_id": response,
            "question_id": rating.pk,
            "score": rng.choice((2, 3, 4, 4, 5, 5)),
        }
        yield {
            "response_id": response,
            "question_id": nps.pk,
            "score": rng.randrange(3, 11),
        }
        yield {
            "response_id": response,
            "question_id": single.pk,
            "choice_id": rng.choice(choices),
        }
        if response % 4 == 0:
            yield {
                "response_id": response,
                "question_id": free_text.pk,
                "text": "Quicker replies, please.",
            }

    copy_rows(
        Answer, (answer for response in responses for answer in answers(response))
    )


def load_kpis(loader) -> None:
    """Run the nightly rollup, rate the key accounts and work out the client
    ranking's figures, as production does each night."""
    from clients import services_key_accounts
    from kpis import services

    services.rollup_recent(today=loader.today)
    services_key_accounts.refresh_health(today=loader.today)
    services_key_accounts.refresh_ranking_figures(today=loader.today)


STEPS = [load_surveys, load_kpis]
