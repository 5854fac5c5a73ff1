"""The daily follow-up digest: the service, the Celery task and its schedule.

The service tests use Django's in-memory email backend. The ``services``
tests run the task in a real Celery worker over Redis, sending to a real SMTP
server on 127.0.0.1.
"""

import datetime as dt
import logging
import smtplib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from clients import services, tasks
from clients.models import DigestDelivery
from crm_site.celery import app, digest_hours

from .factories import ClientFactory, InteractionFactory, StaffFactory
from .live_services import wait_for_tasks

DAY = dt.date(2026, 3, 10)
SITE_URL = "https://legal-crm.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def add_follow_up(lawyer, *, due, action="Send the draft lease", done=False, **kw):
    return InteractionFactory(
        staff=lawyer,
        follow_up_action=action,
        follow_up_due=due,
        follow_up_done=done,
        **kw,
    )


def emails_to(outbox, user):
    return [message for message in outbox if message.to == [user.email]]


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# Recipients
# ---------------------------------------------------------------------------


def test_digest_sends_one_email_per_lawyer(db, mailoutbox):
    first, second = StaffFactory(), StaffFactory()
    for lawyer in (first, second):
        add_follow_up(lawyer, due=DAY)
        add_follow_up(lawyer, due=DAY - dt.timedelta(days=2))

    sent = services.send_follow_up_digests(day=DAY)

    assert sent == 2
    assert len(mailoutbox) == 2
    assert len(emails_to(mailoutbox, first)) == 1
    assert len(emails_to(mailoutbox, second)) == 1


def test_digest_skips_lawyer_with_nothing_due(db, mailoutbox):
    due_tomorrow = StaffFactory()
    add_follow_up(due_tomorrow, due=DAY + dt.timedelta(days=1))
    StaffFactory()  # a lawyer with no follow-ups at all
    InteractionFactory(staff=StaffFactory())  # a contact with no follow-up

    sent = services.send_follow_up_digests(day=DAY)

    assert sent == 0
    assert mailoutbox == []
    assert not DigestDelivery.objects.exists()


def test_digest_excludes_done_follow_ups(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=DAY, action="Call the head teacher")
    add_follow_up(lawyer, due=DAY, action="Already chased the bursar", done=True)
    only_done = StaffFactory()
    add_follow_up(only_done, due=DAY, action="Filed the consent order", done=True)

    services.send_follow_up_digests(day=DAY)

    [message] = mailoutbox
    assert message.to == [lawyer.email]
    assert "Call the head teacher" in message.body
    assert "Already chased the bursar" not in message.body
    assert "Already chased the bursar" not in html_of(message)


def test_digest_skips_inactive_and_non_lawyers(db, mailoutbox):
    inactive = StaffFactory(is_active=False)
    add_follow_up(inactive, due=DAY)
    manager = StaffFactory(roles=(Role.PRACTICE_MANAGER,))
    add_follow_up(manager, due=DAY)

    sent = services.send_follow_up_digests(day=DAY)

    assert sent == 0
    assert mailoutbox == []


def test_digest_excludes_other_lawyers_follow_ups(db, mailoutbox):
    lena, omar = StaffFactory(), StaffFactory()
    add_follow_up(lena, due=DAY, client=ClientFactory(name="Northfield Primary"))
    add_follow_up(omar, due=DAY, client=ClientFactory(name="Southbrook Parish"))

    services.send_follow_up_digests(day=DAY)

    [to_lena] = emails_to(mailoutbox, lena)
    assert "Northfield Primary" in to_lena.body
    assert "Southbrook Parish" not in to_lena.body
    assert "Southbrook Parish" not in html_of(to_lena)
    [to_omar] = emails_to(mailoutbox, omar)
    assert "Southbrook Parish" in to_omar.body
    assert "Northfield Primary" not in to_omar.body


def test_digest_default_day_is_london_today(db, mailoutbox, monkeypatch):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    late_evening_utc = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=dt.date(2026, 7, 1))

    sent = services.send_follow_up_digests()

    assert sent == 1
    delivery = DigestDelivery.objects.get(recipient=lawyer)
    assert delivery.day == dt.date(2026, 7, 1)


# Email content
# ---------------------------------------------------------------------------


def test_digest_lists_action_due_and_link(db, mailoutbox):
    lawyer = StaffFactory(full_name="Lena Lawyer")
    client = ClientFactory(name="Northfield Primary")
    add_follow_up(lawyer, due=DAY, client=client, action="Send the draft lease")

    services.send_follow_up_digests(day=DAY)

    [message] = mailoutbox
    link = SITE_URL + reverse("clients:detail", args=[client.pk])
    assert message.subject == "Legal CRM: 1 follow-up due"
    assert message.body.startswith("Hello Lena,")
    assert "Northfield Primary" in message.body
    assert "Action: Send the draft lease" in message.body
    assert "Due: 10 March 2026" in message.body
    assert link in message.body
    assert f'<a href="{link}">Northfield Primary</a>' in html_of(message)


def test_digest_marks_overdue_follow_ups(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=DAY - dt.timedelta(days=3), action="Chase the lease")
    add_follow_up(lawyer, due=DAY - dt.timedelta(days=1), action="Return the call")
    add_follow_up(lawyer, due=DAY, action="Review the contract")

    services.send_follow_up_digests(day=DAY)

    [message] = mailoutbox
    assert message.subject == "Legal CRM: 3 follow-ups due, 2 overdue"
    assert message.body.count("OVERDUE") == 2
    assert "Due: 7 March 2026 - OVERDUE by 3 days" in message.body
    assert "Due: 9 March 2026 - OVERDUE by 1 day\n" in message.body
    assert "Due: 10 March 2026\n" in message.body
    html = html_of(message)
    assert html.count("Overdue by") == 2
    assert "Overdue by 3 days" in html


def test_digest_lists_oldest_follow_up_first(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=DAY, action="Due today")
    add_follow_up(lawyer, due=DAY - dt.timedelta(days=5), action="Due last week")

    services.send_follow_up_digests(day=DAY)

    [message] = mailoutbox
    assert message.body.index("Due last week") < message.body.index("Due today")


def test_digest_escapes_free_text_in_html_only(db, mailoutbox):
    lawyer = StaffFactory()
    client = ClientFactory(name="St Mary & St John <Academy>")
    add_follow_up(lawyer, due=DAY, client=client, action='Ask about "<b>" fees')

    services.send_follow_up_digests(day=DAY)

    [message] = mailoutbox
    assert "St Mary & St John <Academy>" in message.body
    assert 'Ask about "<b>" fees' in message.body
    html = html_of(message)
    assert "St Mary &amp; St John &lt;Academy&gt;" in html
    assert "Ask about &quot;&lt;b&gt;&quot; fees" in html
    assert "<Academy>" not in html


# Sending at most once, and retrying failures
# ---------------------------------------------------------------------------


def test_digest_second_run_sends_nothing(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=DAY)
    add_follow_up(lawyer, due=DAY - dt.timedelta(days=1))

    first_run = services.send_follow_up_digests(day=DAY)
    second_run = services.send_follow_up_digests(day=DAY)

    assert first_run == 1
    assert second_run == 0
    assert len(mailoutbox) == 1
    delivery = DigestDelivery.objects.get(recipient=lawyer)
    assert delivery.kind == DigestDelivery.Kind.FOLLOW_UPS
    assert delivery.day == DAY
    assert delivery.item_count == 2
    assert delivery.sent_at is not None


def test_digest_skips_lawyer_claimed_elsewhere(db, mailoutbox):
    # Another worker has inserted the row and is still sending.
    claimed, unclaimed = StaffFactory(), StaffFactory()
    add_follow_up(claimed, due=DAY)
    add_follow_up(unclaimed, due=DAY)
    DigestDelivery.objects.create(
        recipient=claimed, kind=DigestDelivery.Kind.FOLLOW_UPS, day=DAY
    )

    sent = services.send_follow_up_digests(day=DAY)

    assert sent == 1
    assert emails_to(mailoutbox, claimed) == []
    assert len(emails_to(mailoutbox, unclaimed)) == 1


def test_digest_next_day_sends_again(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=DAY)

    services.send_follow_up_digests(day=DAY)
    sent_next_day = services.send_follow_up_digests(day=DAY + dt.timedelta(days=1))

    assert sent_next_day == 1
    assert len(mailoutbox) == 2
    assert DigestDelivery.objects.filter(recipient=lawyer).count() == 2


def test_failed_send_retried_by_later_run(db, mailoutbox, monkeypatch, caplog):
    failing, working = StaffFactory(), StaffFactory()
    add_follow_up(failing, due=DAY, client=ClientFactory(name="Northfield Primary"))
    add_follow_up(working, due=DAY)
    send_messages = EmailBackend.send_messages

    def reject_failing_lawyer(backend, messages):
        if any(message.to == [failing.email] for message in messages):
            raise smtplib.SMTPRecipientsRefused({failing.email: (550, b"Busy")})
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", reject_failing_lawyer)
    with caplog.at_level(logging.ERROR, logger="clients.services"):
        first_run = services.send_follow_up_digests(day=DAY)

    assert first_run == 1
    assert len(emails_to(mailoutbox, working)) == 1
    assert not DigestDelivery.objects.filter(recipient=failing).exists()
    [record] = caplog.records
    assert f"user {failing.pk}" in record.getMessage()
    assert failing.email not in record.getMessage()
    assert record.exc_info is not None
    assert "Northfield Primary" not in caplog.text

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    second_run = services.send_follow_up_digests(day=DAY)

    assert second_run == 1
    assert len(emails_to(mailoutbox, failing)) == 1
    assert len(emails_to(mailoutbox, working)) == 1
    assert DigestDelivery.objects.get(recipient=failing).sent_at is not None


# Query count
# ---------------------------------------------------------------------------


def add_lawyers_with_follow_ups(count):
    for _ in range(count):
        lawyer = StaffFactory()
        for days_overdue in range(3):
            add_follow_up(lawyer, due=DAY - dt.timedelta(days=days_overdue))


def test_digest_query_count_is_bounded(db, mailoutbox, django_assert_num_queries):
    # Reading takes two queries, one for the lawyers and one for their
    # follow-ups with client names. Each lawyer then costs four writes inside
    # the test's transaction: a savepoint, the claim, its release and the
    # update that records the send.
    writes_per_lawyer = 4
    add_lawyers_with_follow_ups(2)
    with django_assert_num_queries(2 + 2 * writes_per_lawyer) as two_lawyers:
        assert services.send_follow_up_digests(day=DAY) == 2

    # Each lawyer has three follow-ups at three clients, so the next day all
    # ten lawyers get a digest again.
    add_lawyers_with_follow_ups(8)
    next_day = DAY + dt.timedelta(days=1)
    with django_assert_num_queries(2 + 10 * writes_per_lawyer) as ten_lawyers:
        assert services.send_follow_up_digests(day=next_day) == 10

    def reads(captured):
        return [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]

    assert len(reads(two_lawyers)) == 2
    assert len(reads(ten_lawyers)) == 2


# The Celery task and its schedule
# ---------------------------------------------------------------------------


def test_task_sends_todays_digests(db, mailoutbox):
    lawyer = StaffFactory()
    add_follow_up(lawyer, due=timezone.localdate())

    result = tasks.send_follow_up_digests.apply()

    assert result.get() == 1
    assert len(mailoutbox) == 1


def test_beat_schedule_runs_registered_task(settings):
    app.finalize()
    entry = app.conf.beat_schedule["follow-up-digest"]

    assert entry["task"] == tasks.send_follow_up_digests.name
    assert entry["task"] in app.tasks
    hours = {int(hour) for hour in digest_hours(settings.DIGEST_HOUR).split(",")}
    assert entry["schedule"].hour == hours
    assert settings.DIGEST_HOUR in hours
    assert entry["schedule"].minute == {0}


@pytest.mark.parametrize(
    ("first_hour", "expected"),
    [(0, "0,1,2"), (7, "7,8,9"), (21, "21,22,23"), (22, "22,23"), (23, "23")],
)
def test_digest_hours_stop_before_midnight(first_hour, expected):
    assert digest_hours(first_hour) == expected


@pytest.mark.parametrize("first_hour", [-1, 24])
def test_digest_hours_reject_invalid_hour(first_hour):
    with pytest.raises(ImproperlyConfigured, match=f"DIGEST_HOUR {first_hour} is"):
        digest_hours(first_hour)


# A real worker, broker and SMTP server
# ---------------------------------------------------------------------------


def add_lawyers_due_today(count):
    # One follow-up due yesterday and one due today, so that both are still
    # due if the test runs across midnight.
    today = timezone.localdate()
    lawyers = [StaffFactory() for _ in range(count)]
    for lawyer in lawyers:
        add_follow_up(lawyer, due=today - dt.timedelta(days=1))
        add_follow_up(lawyer, due=today)
    return lawyers


def assert_one_email_each(smtp_sink, lawyers):
    received = smtp_sink.received
    recipients = sorted(rcpt for email in received for rcpt in email.rcpt_tos)
    assert recipients == sorted(lawyer.email for lawyer in lawyers)
    assert len(received) == len(lawyers)
    deliveries = DigestDelivery.objects.filter(sent_at__isnull=False)
    assert deliveries.count() == len(lawyers)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_sends_one_digest_per_lawyer(
    live_worker, smtp_sink, celery_app_on_redis
):
    lawyers = add_lawyers_due_today(2)

    first = tasks.send_follow_up_digests.delay()
    second = tasks.send_follow_up_digests.delay()
    live_worker.wait_for_tasks([first.id, second.id])

    assert_one_email_each(smtp_sink, lawyers)
    message = smtp_sink.received[0].message
    assert message["Subject"] == "Legal CRM: 2 follow-ups due, 1 overdue"
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_digest_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    workers = [start_live_worker(env={"EMAIL_URL": smtp_sink.url}) for _ in range(2)]
    lawyers = add_lawyers_due_today(5)

    task_ids = [tasks.send_follow_up_digests.delay().id for _ in range(4)]
    wait_for_tasks(task_ids, workers)

    assert_one_email_each(smtp_sink, lawyers)
    for worker in workers:
        log = worker.log()
        assert any(f"[{i}] succeeded" in log for i in task_ids), log
