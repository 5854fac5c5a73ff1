"""Survey results: CSAT, NPS and means, the results page, filters and exports."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from feedback.models import Answer, Invitation, Response
from feedback.surveys import results

from .auth import sign_in
from .factories import (
    ClientFactory,
    ContactFactory,
    InvitationFactory,
    StaffFactory,
    SurveyRoundFactory,
    TeamFactory,
)
from .survey_fixtures import count_queries, questions_by_kind

pytestmark = pytest.mark.django_db


def scores(*values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


# The figures, on small cases worked by hand
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((5, 5, 4, 3, 1), Decimal("60.0")),  # 3 of 5
        ((4, 3, 3), Decimal("33.3")),  # 1 of 3 = 33.33...
        ((5, 5, 1), Decimal("66.7")),  # 2 of 3 = 66.66..., rounded up
        ((1, 2, 3), Decimal("0.0")),
        ((4, 5), Decimal("100.0")),
        ((), None),
    ],
)
def test_csat_share_of_fours_and_fives(ratings, expected):
    assert results.csat(scores(*ratings)) == expected


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ((5, 5, 4, 3, 1), Decimal("3.60")),  # 18 / 5
        ((5, 4, 4), Decimal("4.33")),  # 13 / 3
        ((1, 2), Decimal("1.50")),
        ((3, 3, 4), Decimal("3.33")),  # 10 / 3
        ((), None),
    ],
)
def test_mean_rating_two_places(ratings, expected):
    assert results.mean_score(scores(*ratings)) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((10, 9, 8, 7, 6, 0), Decimal("0.0")),  # 2 promoters, 2 detractors of 6
        ((10, 10, 10, 6), Decimal("50.0")),  # 75% - 25%
        ((0, 3, 6), Decimal("-100.0")),
        ((9, 8, 7), Decimal("33.3")),  # 1 of 3 promoters, no detractors
        ((10, 9, 6, 5, 3, 2, 8), Decimal("-28.6")),  # (2 - 4) / 7 = -28.57...
        ((7, 8), Decimal("0.0")),  # passives only
        ((), None),
    ],
)
def test_nps_promoters_minus_detractors(answers, expected):
    assert results.nps(scores(*answers)) == expected


# The results page
# ---------------------------------------------------------------------------


@pytest.fixture
def answered_round(survey):
    """A round of 5 sent invitations, 4 answered with known scores."""
    survey_round = SurveyRoundFactory(survey=survey)
    by_kind = questions_by_kind(survey)
    single = list(by_kind["single_choice"].choices.all())
    multiple = list(by_kind["multiple_choice"].choices.all())
    rows = [
        # rating, nps, single choice, multiple choice, comment
        (5, 10, single[0], [multiple[0], multiple[1]], "Very quick"),
        (4, 9, single[0], [multiple[0]], ""),
        (2, 6, single[1], [], "Too slow"),
        (5, 8, single[2], [multiple[2]], ""),
    ]
    for rating, nps, choice, ticked, comment in rows:
        add_response(survey_round, by_kind, rating, nps, choice, ticked, comment)
    InvitationFactory(round=survey_round, sent_at=survey_round.opens_at)
    return survey_round


def add_response(survey_round, by_kind, rating, nps, choice, ticked, comment, **kw):
    client = kw.pop("client", None) or ClientFactory()
    invitation = InvitationFactory(
        round=survey_round,
        contact=ContactFactory(client=client),
        sent_at=survey_round.opens_at,
        responded_at=survey_round.opens_at,
    )
    response = Response.objects.create(
        round=survey_round,
        invitation=invitation if survey_round.is_named else None,
        client=client,
        client_kind=client.kind,
        submitted_on=survey_round.opens_at.date(),
        **kw,
    )
    answers = [
        Answer(response=response, question=by_kind["rating"], score=rating),
        Answer(response=response, question=by_kind["nps"], score=nps),
        Answer(response=response, question=by_kind["single_choice"], choice=choice),
        *(
            Answer(response=response, question=by_kind["multiple_choice"], choice=c)
            for c in ticked
        ),
    ]
    if comment:
        answers.append(
            Answer(response=response, question=by_kind["free_text"], text=comment)
        )
    Answer.objects.bulk_create(answers)
    return response


def results_url(survey_round, **params):
    return reverse("surveys:results", args=[survey_round.pk])


def test_results_page_shows_hand_computed_figures(client, lawyer, answered_round):
    client.force_login(lawyer)

    response = client.get(results_url(answered_round))

    figures = response.context["results"]
    assert figures.invited == 5
    assert figures.responses == 4
    assert figures.response_rate == Decimal("80.0")
    assert figures.csat == Decimal("75.0")  # 5, 4, 2, 5
    assert figures.mean_rating == Decimal("4.00")
    assert figures.nps == Decimal("25.0")  # 10 and 9 promote, 6 detracts
    page = response.content.decode()
    assert 'id="csat">75.0%' in page
    assert 'id="nps">25.0' in page


def test_results_figures_follow_new_response(client, lawyer, answered_round):
    """Cached figures are worked out again once another response arrives."""
    client.force_login(lawyer)
    client.get(results_url(answered_round))
    by_kind = questions_by_kind(answered_round.survey)
    single = by_kind["single_choice"].choices.first()
    add_response(answered_round, by_kind, 1, 0, single, [], "")

    figures = client.get(results_url(answered_round)).context["results"]

    assert figures.responses == 5
    assert figures.invited == 6
    assert figures.mean_rating == Decimal("3.40")  # 5, 4, 2, 5, 1


def test_results_reread_without_counting_answers(client, lawyer, answered_round):
    """A second view of unchanged results skips the answer counts."""
    client.force_login(lawyer)
    count_queries(client, results_url(answered_round))  # fills per-process caches
    cache.clear()
    first = count_queries(client, results_url(answered_round))

    second = count_queries(client, results_url(answered_round))

    # The counts of answers, of respondents and of responses.
    assert second <= first - 3


def test_results_show_comments_as_now_stored(client, lawyer, answered_round):
    """A comment changed after the results were cached shows as it is now."""
    client.force_login(lawyer)
    client.get(results_url(answered_round))
    comments = Answer.objects.filter(response__round=answered_round).exclude(text="")
    comments.filter(text="Very quick").update(text="")
    comments.filter(text="Too slow").update(text="Slow at first")

    page = client.get(results_url(answered_round)).content.decode()

    assert "Very quick" not in page
    assert "Too slow" not in page
    assert "Slow at first" in page


def test_results_distribution_tables(client, lawyer, answered_round):
    client.force_login(lawyer)

    response = client.get(results_url(answered_round))

    by_kind = {
        item.question.kind: item for item in response.context["results"].questions
    }
    rating_rows = [(row.label, row.count) for row in by_kind["rating"].rows]
    assert rating_rows == [("1", 0), ("2", 1), ("3", 0), ("4", 1), ("5", 2)]
    assert by_kind["nps"].rows[10].count == 1
    assert len(by_kind["nps"].rows) == 11
    single = [(row.label, row.count) for row in by_kind["single_choice"].rows]
    assert single == [("Phone", 2), ("Email", 1), ("Portal", 1)]
    # Three of the four responses ticked something; Speed was ticked twice.
    multiple = by_kind["multiple_choice"]
    assert multiple.answered == 3
    assert multiple.rows[0].count == 2
    assert multiple.rows[0].percent == Decimal("66.7")
    page = response.content.decode()
    assert page.count('<canvas data-chart-source="chart-data-') == 4
    assert 'id="chart-data-' in page
    assert "<caption>Answers to question 1</caption>" in page


def test_results_comments_anonymous(client, lawyer, answered_round):
    client.force_login(lawyer)

    page = client.get(results_url(answered_round)).content.decode()

    assert "Very quick" in page
    assert "Too slow" in page
    for invitation in Invitation.objects.filter(responded_at__isnull=False):
        assert invitation.contact.full_name not in page


def test_named_round_comments_show_contact(client, lawyer, survey):
    survey_round = SurveyRoundFactory(survey=survey, is_named=True)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    response = add_response(survey_round, by_kind, 4, 9, choice, [], "Helpful team")
    client.force_login(lawyer)

    page = client.get(results_url(survey_round)).content.decode()

    assert response.invitation.contact.full_name in page


def test_results_escape_comments(client, lawyer, survey):
    survey_round = SurveyRoundFactory(survey=survey)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    add_response(survey_round, by_kind, 4, 9, choice, [], "<script>x()</script>")
    client.force_login(lawyer)

    page = client.get(results_url(survey_round)).content.decode()

    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


@pytest.mark.parametrize("dimension", ["kind", "team", "lawyer"])
def test_results_filter_narrows_responses(client, lawyer, survey, dimension):
    survey_round = SurveyRoundFactory(survey=survey)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    property_team = TeamFactory(name="Property")
    property_lawyer = StaffFactory(profile__team=property_team)
    add_response(
        survey_round,
        by_kind,
        5,
        10,
        choice,
        [],
        "",
        client=ClientFactory(kind="parish_council"),
        team=property_team,
        lawyer=property_lawyer,
    )
    add_response(survey_round, by_kind, 1, 0, choice, [], "", client=ClientFactory())
    value = {
        "kind": "parish_council",
        "team": property_team.pk,
        "lawyer": property_lawyer.pk,
    }[dimension]
    client.force_login(lawyer)

    response = client.get(results_url(survey_round), {dimension: value})

    figures = response.context["results"]
    assert figures.responses == 1
    assert figures.csat == Decimal("100.0")
    assert figures.nps == Decimal("100.0")


def test_results_keep_valid_filters_beside_invalid(client, lawyer, survey):
    """An unknown lawyer is reported and the valid kind still narrows."""
    survey_round = SurveyRoundFactory(survey=survey)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    parish = ClientFactory(kind="parish_council")
    add_response(survey_round, by_kind, 5, 10, choice, [], "", client=parish)
    add_response(survey_round, by_kind, 1, 0, choice, [], "", client=ClientFactory())
    client.force_login(lawyer)

    response = client.get(
        results_url(survey_round), {"kind": "parish_council", "lawyer": 424242}
    )

    assert response.context["results"].responses == 1
    assert response.context["filter_form"].errors["lawyer"]


def test_results_empty_state(client, lawyer, survey):
    survey_round = SurveyRoundFactory(survey=survey)
    client.force_login(lawyer)

    page = client.get(results_url(survey_round)).content.decode()

    assert "No responses yet." in page


def add_many_responses(survey_round, count):
    """Add ``count`` responses of five answers each, in bulk."""
    by_kind = questions_by_kind(survey_round.survey)
    choice = by_kind["single_choice"].choices.first()
    client = ClientFactory()
    responses = Response.objects.bulk_create(
        Response(
            round=survey_round,
            client=client,
            client_kind=client.kind,
            submitted_on=survey_round.opens_at.date(),
        )
        for _ in range(count)
    )
    Answer.objects.bulk_create(
        answer
        for index, response in enumerate(responses)
        for answer in (
            Answer(response=response, question=by_kind["rating"], score=index % 5 + 1),
            Answer(response=response, question=by_kind["nps"], score=index % 11),
            Answer(response=response, question=by_kind["single_choice"], choice=choice),
            Answer(
                response=response,
                question=by_kind["free_text"],
                text=f"Comment {index}",
            ),
        )
    )


@pytest.mark.parametrize("url_name", ["surveys:results", "surveys:results_csv"])
def test_results_queries_flat_10_to_1000(client, practice_manager, survey, url_name):
    survey_round = SurveyRoundFactory(survey=survey, is_named=True)
    url = reverse(url_name, args=[survey_round.pk])
    client.force_login(practice_manager)
    add_many_responses(survey_round, 10)
    count_queries(client, url)  # fills per-process caches
    cache.clear()  # but not the results, so that both counts below compute them
    ten = count_queries(client, url)

    add_many_responses(survey_round, 990)
    thousand = count_queries(client, url)

    assert thousand == ten
    assert Response.objects.count() == 1000


# Exports
# ---------------------------------------------------------------------------


def read_csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_one_row_per_response(client, practice_manager, answered_round):
    client.force_login(practice_manager)

    response = client.get(reverse("surveys:results_csv", args=[answered_round.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:5] == ["Response", "Submitted on", "Client kind", "Team", "Lawyer"]
    assert "Overall rating" in rows[0]
    assert "Contact email" not in rows[0]
    assert len(rows) == 5
    rating_column = rows[0].index("Overall rating")
    assert sorted(row[rating_column] for row in rows[1:]) == ["2", "4", "5", "5"]
    multiple_column = rows[0].index("What went well?")
    assert "Speed; Clarity" in [row[multiple_column] for row in rows[1:]]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.changes["format"] == "csv"


def test_named_export_includes_contact(client, practice_manager, survey):
    survey_round = SurveyRoundFactory(survey=survey, is_named=True)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    response = add_response(survey_round, by_kind, 4, 9, choice, [], "")
    client.force_login(practice_manager)

    rows = read_csv(client.get(reverse("surveys:results_csv", args=[survey_round.pk])))

    assert "Contact email" in rows[0]
    assert response.invitation.contact.email in rows[1]


def test_export_neutralises_formulas(client, practice_manager, survey):
    survey_round = SurveyRoundFactory(survey=survey)
    by_kind = questions_by_kind(survey)
    choice = by_kind["single_choice"].choices.first()
    add_response(survey_round, by_kind, 4, 9, choice, [], '=HYPERLINK("x")')
    client.force_login(practice_manager)

    csv_rows = read_csv(
        client.get(reverse("surveys:results_csv", args=[survey_round.pk]))
    )
    xlsx = client.get(reverse("surveys:results_xlsx", args=[survey_round.pk]))

    assert '\'=HYPERLINK("x")' in csv_rows[1]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell.value for cell in sheet[2]]
    assert '\'=HYPERLINK("x")' in values
    assert sheet.cell(row=2, column=1).data_type != "f"


def test_xlsx_export_opens(client, practice_manager, answered_round):
    client.force_login(practice_manager)

    response = client.get(reverse("surveys:results_xlsx", args=[answered_round.pk]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Response"
    assert len(rows) == 5
    assert sheet.title == answered_round.name[:31]


def test_export_follows_filters(client, practice_manager, answered_round):
    client.force_login(practice_manager)

    response = client.get(
        reverse("surveys:results_csv", args=[answered_round.pk]), {"kind": "charity"}
    )

    assert len(read_csv(response)) == 1


# Who reaches the results
# ---------------------------------------------------------------------------

RESULT_PAGES = ["surveys:results", "surveys:results_csv", "surveys:results_xlsx"]


@pytest.mark.parametrize("name", RESULT_PAGES)
def test_result_pages_by_role(
    client, staff_users, portal_user, other_portal_user, answered_round, name
):
    url = reverse(name, args=[answered_round.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))

    for user in (portal_user, other_portal_user):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404)

    for role, user in staff_users.items():
        sign_in(client, user)
        assert client.get(url).status_code == 200, role
