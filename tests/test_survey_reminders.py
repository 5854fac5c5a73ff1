"""The survey email sweep: who gets a reminder, when, and never twice.

These tests call the service with a fixed ``now`` and Django's in-memory
email backend. tests/test_survey_reminders_live.py runs the same sweep in
real Celery workers against a real SMTP server.
"""

import datetime as dt
import logging
import smtplib
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client as HttpClient
from django.utils import timezone

from crm_site.celery import app
from feedback import tasks
from feedback.models import InvitationToken, SurveyOptOut, SurveyRound
from feedback.surveys import sending
from feedback.surveys.sending import EmailKind, is_working_time

from .factories import ContactFactory, InvitationFactory, SurveyRoundFactory
from .survey_fixtures import build_survey

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SITE_URL = "https://legal-crm.example.org"
# Tuesday 10 March 2026, 10:00 GMT: a working day in winter time.
TUESDAY_10AM = dt.datetime(2026, 3, 10, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def make_round(now, **kwargs):
    kwargs.setdefault("max_reminders", 2)
    kwargs.setdefault("reminder_interval_days", 7)
    return SurveyRoundFactory(
        survey=kwargs.pop("survey", None) or build_survey(title="Client survey"),
        opens_at=now - dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=30),
        **kwargs,
    )


def sent_invitation(survey_round, *, emailed_days_ago, reminders_sent=0, **kwargs):
    """An invitation whose last email went out ``emailed_days_ago`` days ago."""
    last = survey_round.opens_at + dt.timedelta(days=30 - emailed_days_ago)
    return InvitationFactory(
        round=survey_round,
        sent_at=last,
        last_emailed_at=last,
        next_reminder_at=last + dt.timedelta(days=survey_round.reminder_interval_days),
        reminders_sent=reminders_sent,
        **kwargs,
    )


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


# Who is reminded
# ---------------------------------------------------------------------------


def test_due_invitation_gets_one_reminder(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    invitation = sent_invitation(survey_round, emailed_days_ago=7)

    result = sending.sweep(now=TUESDAY_10AM)

    assert result.reminders_sent == 1
    [message] = mailoutbox
    assert message.to == [invitation.contact.email]
    assert message.subject == "Reminder: Client survey: please tell us how we did"
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1
    assert invitation.last_emailed_at == TUESDAY_10AM
    assert invitation.next_reminder_at == TUESDAY_10AM + dt.timedelta(days=7)


def test_reminder_waits_interval_days(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    sent_invitation(survey_round, emailed_days_ago=6)

    result = sending.sweep(now=TUESDAY_10AM)

    assert result.reminders_sent == 0
    assert mailoutbox == []


def test_reminders_stop_at_maximum(mailoutbox):
    survey_round = make_round(TUESDAY_10AM, max_reminders=2)
    sent_invitation(survey_round, emailed_days_ago=8, reminders_sent=2)

    sending.sweep(now=TUESDAY_10AM)

    assert mailoutbox == []


def test_last_reminder_schedules_no_next(mailoutbox):
    survey_round = make_round(TUESDAY_10AM, max_reminders=2)
    invitation = sent_invitation(survey_round, emailed_days_ago=8, reminders_sent=1)

    sending.sweep(now=TUESDAY_10AM)

    invitation.refresh_from_db()
    assert invitation.reminders_sent == 2
    assert invitation.next_reminder_at is None


def test_round_without_reminders_sends_none(mailoutbox):
    survey_round = make_round(TUESDAY_10AM, max_reminders=0)
    invitation = InvitationFactory(round=survey_round)

    sending.sweep(now=TUESDAY_10AM)
    invitation.refresh_from_db()
    sending.sweep(now=TUESDAY_10AM + dt.timedelta(days=20))

    assert len(mailoutbox) == 1
    assert invitation.next_reminder_at is None


@pytest.mark.parametrize(
    "case",
    ["answered", "opted out", "paused", "closed", "past closing", "inactive contact"],
)
def test_no_reminder_when_not_wanted(mailoutbox, case):
    survey_round = make_round(TUESDAY_10AM)
    invitation = sent_invitation(survey_round, emailed_days_ago=10)
    if case == "answered":
        invitation.responded_at = TUESDAY_10AM - dt.timedelta(days=1)
        invitation.save()
    elif case == "opted out":
        SurveyOptOut.objects.create(contact=invitation.contact)
    elif case == "paused":
        survey_round.status = SurveyRound.Status.PAUSED
        survey_round.save()
    elif case == "closed":
        survey_round.status = SurveyRound.Status.CLOSED
        survey_round.save()
    elif case == "past closing":
        survey_round.closes_at = TUESDAY_10AM - dt.timedelta(minutes=1)
        survey_round.save()
    else:
        invitation.contact.is_active = False
        invitation.contact.save()

    result = sending.sweep(now=TUESDAY_10AM)

    assert result.reminders_sent == 0
    assert mailoutbox == []


def test_sweep_closes_rounds_past_closing(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    survey_round.closes_at = TUESDAY_10AM - dt.timedelta(hours=1)
    survey_round.save()

    result = sending.sweep(now=TUESDAY_10AM)

    survey_round.refresh_from_db()
    assert result.rounds_closed == 1
    assert survey_round.status == SurveyRound.Status.CLOSED


def test_sweep_sends_first_invitation_once_open(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    invitation = InvitationFactory(round=survey_round)

    result = sending.sweep(now=TUESDAY_10AM)

    assert result.invitations_sent == 1
    [message] = mailoutbox
    assert not message.subject.startswith("Reminder")
    invitation.refresh_from_db()
    assert invitation.sent_at == TUESDAY_10AM
    assert invitation.reminders_sent == 0
    assert invitation.next_reminder_at == TUESDAY_10AM + dt.timedelta(days=7)


def test_unopened_round_sends_nothing(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    survey_round.opens_at = TUESDAY_10AM + dt.timedelta(hours=1)
    survey_round.save()
    InvitationFactory(round=survey_round)

    sending.sweep(now=TUESDAY_10AM)

    assert mailoutbox == []


# Sending at most once
# ---------------------------------------------------------------------------


def test_sweep_twice_sends_nothing_twice(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    due = [sent_invitation(survey_round, emailed_days_ago=7) for _ in range(3)]
    InvitationFactory(round=survey_round)

    first = sending.sweep(now=TUESDAY_10AM)
    second = sending.sweep(now=TUESDAY_10AM + dt.timedelta(minutes=15))

    assert (first.invitations_sent, first.reminders_sent) == (1, 3)
    assert (second.invitations_sent, second.reminders_sent) == (0, 0)
    assert len(mailoutbox) == 4
    assert len(set(recipients(mailoutbox))) == 4
    assert InvitationToken.objects.count() == 4
    for invitation in due:
        invitation.refresh_from_db()
        assert invitation.reminders_sent == 1


def test_stale_copy_claims_nothing(mailoutbox):
    # Two workers read the same due row; the first one's claim moves the
    # state on, so the second one's claim matches no row.
    survey_round = make_round(TUESDAY_10AM)
    invitation = sent_invitation(survey_round, emailed_days_ago=7)
    [first_copy] = sending._candidates(EmailKind.REMINDER, TUESDAY_10AM)
    [second_copy] = sending._candidates(EmailKind.REMINDER, TUESDAY_10AM)

    first = sending._deliver(EmailKind.REMINDER, first_copy, TUESDAY_10AM)
    second = sending._deliver(EmailKind.REMINDER, second_copy, TUESDAY_10AM)

    assert first is sending.Outcome.SENT
    assert second is sending.Outcome.CLAIMED_ELSEWHERE
    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1
    assert invitation.tokens.count() == 1


def test_failed_send_retried_by_later_sweep(mailoutbox, monkeypatch, caplog):
    survey_round = make_round(TUESDAY_10AM)
    failing = sent_invitation(survey_round, emailed_days_ago=7)
    working = sent_invitation(survey_round, emailed_days_ago=7)
    send_messages = EmailBackend.send_messages

    def reject_failing(backend, messages):
        if any(message.to == [failing.contact.email] for message in messages):
            raise smtplib.SMTPRecipientsRefused({failing.contact.email: (450, b"Busy")})
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", reject_failing)
    with caplog.at_level(logging.ERROR, logger="feedback.surveys.sending"):
        first = sending.sweep(now=TUESDAY_10AM)

    assert (first.reminders_sent, first.failed) == (1, 1)
    assert recipients(mailoutbox) == [working.contact.email]
    failing.refresh_from_db()
    assert failing.reminders_sent == 0
    assert failing.tokens.count() == 0
    [record] = caplog.records
    assert f"invitation {failing.pk}" in record.getMessage()
    assert failing.contact.email not in record.getMessage()

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    later = TUESDAY_10AM + dt.timedelta(minutes=15)
    second = sending.sweep(now=later)

    assert second.reminders_sent == 1
    assert sorted(recipients(mailoutbox)) == sorted(
        [working.contact.email, failing.contact.email]
    )
    failing.refresh_from_db()
    assert failing.reminders_sent == 1


# Working hours, Europe/London, across the clock changes
# ---------------------------------------------------------------------------

UTC = dt.UTC


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday 27 March 2026, GMT: London time equals UTC.
        (dt.datetime(2026, 3, 27, 8, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 3, 27, 9, 0, tzinfo=UTC), True),
        (dt.datetime(2026, 3, 27, 17, 29, tzinfo=UTC), True),
        (dt.datetime(2026, 3, 27, 17, 30, tzinfo=UTC), False),
        # Sunday 29 March 2026, clocks go forward at 01:00 UTC: no sending.
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 3, 29, 10, 0, tzinfo=UTC), False),
        # Monday 30 March 2026, BST: 08:00 UTC is 09:00 in London.
        (dt.datetime(2026, 3, 30, 7, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC), True),
        (dt.datetime(2026, 3, 30, 16, 29, tzinfo=UTC), True),
        (dt.datetime(2026, 3, 30, 16, 45, tzinfo=UTC), False),
        # Friday 23 October 2026, BST.
        (dt.datetime(2026, 10, 23, 8, 0, tzinfo=UTC), True),
        (dt.datetime(2026, 10, 23, 16, 30, tzinfo=UTC), False),
        # Sunday 25 October 2026, clocks go back at 01:00 UTC: no sending.
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), False),
        (dt.datetime(2026, 10, 25, 9, 30, tzinfo=UTC), False),
        # Monday 26 October 2026, GMT again: 08:30 UTC is 08:30 in London.
        (dt.datetime(2026, 10, 26, 8, 30, tzinfo=UTC), False),
        (dt.datetime(2026, 10, 26, 9, 0, tzinfo=UTC), True),
        (dt.datetime(2026, 10, 26, 17, 15, tzinfo=UTC), True),
        # Saturday, and the Easter Monday bank holiday of 6 April 2026.
        (dt.datetime(2026, 3, 28, 11, 0, tzinfo=UTC), False),
        (dt.datetime(2026, 4, 6, 11, 0, tzinfo=UTC), False),
    ],
    ids=lambda value: value.isoformat() if isinstance(value, dt.datetime) else "",
)
def test_working_time_in_london(moment, expected):
    assert is_working_time(moment) is expected


def test_no_sweep_outside_working_hours(mailoutbox):
    saturday = dt.datetime(2026, 3, 14, 11, 0, tzinfo=LONDON)
    survey_round = make_round(saturday)
    sent_invitation(survey_round, emailed_days_ago=8)

    result = sending.sweep(now=saturday)

    assert result.outside_working_hours
    assert mailoutbox == []


def test_working_hours_setting_can_be_off(mailoutbox, settings):
    settings.SURVEY_WORKING_HOURS_ONLY = False
    saturday = dt.datetime(2026, 3, 14, 23, 0, tzinfo=LONDON)
    sent_invitation(make_round(saturday), emailed_days_ago=8)

    result = sending.sweep(now=saturday)

    assert result.reminders_sent == 1


def sweep_every_quarter_hour(start, end):
    """Run the sweep as beat would, every 15 minutes from ``start`` to ``end``."""
    moment, sends = start, []
    while moment <= end:
        if sending.sweep(now=moment).reminders_sent:
            sends.append(moment)
        moment += dt.timedelta(minutes=15)
    return sends


def test_reminder_due_over_spring_change(mailoutbox):
    # Emailed on Friday 27 March at 16:00 GMT, due 3 days later: Monday
    # 30 March 16:00 UTC, which is 17:00 BST, inside working hours.
    first_email = dt.datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    survey_round = make_round(first_email, reminder_interval_days=3)
    invitation = InvitationFactory(
        round=survey_round,
        sent_at=first_email,
        last_emailed_at=first_email,
        next_reminder_at=first_email + dt.timedelta(days=3),
    )

    sends = sweep_every_quarter_hour(
        dt.datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC),
    )

    assert sends == [dt.datetime(2026, 3, 30, 16, 0, tzinfo=UTC)]
    assert timezone.localtime(sends[0], LONDON).hour == 17
    invitation.refresh_from_db()
    assert invitation.last_emailed_at - first_email >= dt.timedelta(days=3)


def test_reminder_due_over_autumn_change(mailoutbox):
    # Emailed on Friday 23 October at 17:00 BST (16:00 UTC), due 3 days
    # later at 16:00 UTC: Monday 26 October 16:00 GMT, inside working hours.
    # A reminder due at 17:15 UTC, 18:15 the Friday before in BST, would wait.
    first_email = dt.datetime(2026, 10, 23, 16, 0, tzinfo=UTC)
    survey_round = make_round(first_email, reminder_interval_days=3)
    InvitationFactory(
        round=survey_round,
        sent_at=first_email,
        last_emailed_at=first_email,
        next_reminder_at=first_email + dt.timedelta(days=3),
    )
    late = first_email + dt.timedelta(hours=1, minutes=15)
    InvitationFactory(
        round=survey_round,
        sent_at=late,
        last_emailed_at=late,
        next_reminder_at=late + dt.timedelta(days=3),
    )

    sends = sweep_every_quarter_hour(
        dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 27, 12, 0, tzinfo=UTC),
    )

    assert sends == [
        dt.datetime(2026, 10, 26, 16, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 26, 17, 15, tzinfo=UTC),
    ]
    assert len(mailoutbox) == 2


def test_reminder_due_out_of_hours_waits(mailoutbox):
    # Due at 18:00 on a Wednesday in winter: sent at 09:00 on Thursday.
    first_email = dt.datetime(2026, 2, 4, 18, 0, tzinfo=UTC)
    survey_round = make_round(first_email, reminder_interval_days=7)
    InvitationFactory(
        round=survey_round,
        sent_at=first_email,
        last_emailed_at=first_email,
        next_reminder_at=first_email + dt.timedelta(days=7),
    )

    sends = sweep_every_quarter_hour(
        dt.datetime(2026, 2, 11, 17, 0, tzinfo=UTC),
        dt.datetime(2026, 2, 12, 12, 0, tzinfo=UTC),
    )

    assert sends == [dt.datetime(2026, 2, 12, 9, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("9am", "17:30", "SURVEY_WORKING_HOURS_START '9am' is invalid"),
        ("17:30", "09:00", "SURVEY_WORKING_HOURS_END 09:00 is not after"),
    ],
)
def test_bad_working_hours_raise(settings, start, end, message):
    settings.SURVEY_WORKING_HOURS_START = start
    settings.SURVEY_WORKING_HOURS_END = end

    with pytest.raises(ImproperlyConfigured, match=message):
        is_working_time(TUESDAY_10AM)


# The emails
# ---------------------------------------------------------------------------


def email_links(message):
    answer = next(line for line in message.body.splitlines() if "/answer/" in line)
    opt_out = next(line for line in message.body.splitlines() if "/opt-out/" in line)
    return answer.strip(), opt_out.strip()


def test_email_link_opens_answer_page(mailoutbox):
    survey_round = make_round(TUESDAY_10AM)
    survey_round.opens_at = timezone.now() - dt.timedelta(days=1)
    survey_round.closes_at = timezone.now() + dt.timedelta(days=10)
    survey_round.save()
    invitation = InvitationFactory(round=survey_round)

    sending.send_round_invitations(round_id=survey_round.pk)

    [message] = mailoutbox
    answer, opt_out = email_links(message)
    assert answer.startswith(SITE_URL + "/surveys/answer/")
    assert opt_out == answer + "opt-out/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{opt_out}>"
    page = HttpClient().get(answer.removeprefix(SITE_URL))
    assert page.status_code == 200
    assert survey_round.survey.title in page.content.decode()
    token = answer.removeprefix(SITE_URL).split("/")[-2]
    assert not InvitationToken.objects.filter(token_hash=token).exists()
    assert invitation.contact.full_name in message.body


def test_email_escapes_names_in_html(mailoutbox):
    survey_round = make_round(TUESDAY_10AM, survey=build_survey(title="A & B <survey>"))
    InvitationFactory(round=survey_round, contact=ContactFactory(full_name="<b>Jo</b>"))

    sending.sweep(now=TUESDAY_10AM)

    [message] = mailoutbox
    html = message.alternatives[0][0]
    assert "<b>Jo</b>" in message.body
    assert "&lt;b&gt;Jo&lt;/b&gt;" in html
    assert "A &amp; B &lt;survey&gt;" in html


@pytest.mark.parametrize(
    ("is_named", "wording"),
    [(False, "Your answers are anonymous"), (True, "will see your name")],
)
def test_email_says_whether_named(mailoutbox, is_named, wording):
    InvitationFactory(round=make_round(TUESDAY_10AM, is_named=is_named))

    sending.sweep(now=TUESDAY_10AM)

    assert wording in mailoutbox[0].body


def test_sweep_reads_in_bounded_queries(django_assert_max_num_queries):
    survey_round = make_round(TUESDAY_10AM)
    for _ in range(10):
        sent_invitation(survey_round, emailed_days_ago=7)

    # Closing rounds, two candidate reads, then per email a claim (savepoint,
    # lock or update, token insert, release) and nothing else.
    with django_assert_max_num_queries(3 + 10 * 6):
        assert sending.sweep(now=TUESDAY_10AM).reminders_sent == 10


# The Celery task and its schedule
# ---------------------------------------------------------------------------


def test_task_runs_sweep(mailoutbox, settings):
    settings.SURVEY_WORKING_HOURS_ONLY = False
    sent_invitation(make_round(timezone.now()), emailed_days_ago=8)

    assert tasks.send_survey_reminders.apply().get() == 1
    assert len(mailoutbox) == 1


def test_beat_runs_sweep_every_quarter_hour():
    app.finalize()
    entry = app.conf.beat_schedule["survey-reminders"]

    assert entry["task"] == tasks.send_survey_reminders.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert entry["schedule"].hour == set(range(24))
