"""The weekly digest of service promises at risk, sent once a week per lawyer."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from clients import services_promises, tasks
from clients.models import DigestDelivery, Matter
from crm_site.celery import app

from .factories import MatterFactory, StaffFactory

MONDAY = dt.date(2026, 3, 9)
SITE_URL = "https://legal-crm.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def promise_due(lawyer, due, **extra):
    return MatterFactory(responsible_lawyer=lawyer, target_date=due, **extra)


def test_digest_lists_at_risk_and_overdue(db, mailoutbox):
    lawyer = StaffFactory(full_name="Lena Lawyer")
    at_risk = promise_due(lawyer, MONDAY + dt.timedelta(days=2), reference="R-1")
    overdue = promise_due(lawyer, MONDAY - dt.timedelta(days=3), reference="O-1")
    promise_due(lawyer, MONDAY + dt.timedelta(days=10), reference="LATER")
    promise_due(lawyer, MONDAY, reference="MET", promise_met_on=MONDAY)
    promise_due(
        lawyer, MONDAY, reference="SHUT", status=Matter.Status.CLOSED, closed_on=MONDAY
    )

    sent = services_promises.send_promise_digests(day=MONDAY)

    assert sent == 1
    [message] = mailoutbox
    assert message.subject == "Legal CRM: 2 service promises at risk, 1 overdue"
    assert message.body.index(overdue.reference) < message.body.index(at_risk.reference)
    assert "LATER" not in message.body
    assert "MET" not in message.body
    assert "SHUT" not in message.body
    assert SITE_URL + at_risk.get_absolute_url() in message.body


def test_digest_sent_once_a_week(db, mailoutbox):
    lawyer = StaffFactory()
    promise_due(lawyer, MONDAY + dt.timedelta(days=1))

    first = services_promises.send_promise_digests(day=MONDAY)
    again = services_promises.send_promise_digests(day=MONDAY)
    later_that_week = services_promises.send_promise_digests(
        day=MONDAY + dt.timedelta(days=3)
    )

    assert (first, again, later_that_week) == (1, 0, 0)
    assert len(mailoutbox) == 1
    delivery = DigestDelivery.objects.get()
    assert delivery.kind == DigestDelivery.Kind.PROMISES_AT_RISK
    assert delivery.day == MONDAY


def test_digest_next_week_sends_again(db, mailoutbox):
    lawyer = StaffFactory()
    promise_due(lawyer, MONDAY + dt.timedelta(days=8))

    services_promises.send_promise_digests(day=MONDAY)
    services_promises.send_promise_digests(day=MONDAY + dt.timedelta(days=7))

    assert len(mailoutbox) == 1
    assert DigestDelivery.objects.get().day == MONDAY + dt.timedelta(days=7)


def test_digest_skips_managers_and_leavers(db, mailoutbox):
    promise_due(StaffFactory(roles=(Role.PRACTICE_MANAGER,)), MONDAY)
    promise_due(StaffFactory(is_active=False), MONDAY)

    assert services_promises.send_promise_digests(day=MONDAY) == 0
    assert mailoutbox == []


def test_digest_excludes_colleagues_matters(db, mailoutbox):
    lena, omar = StaffFactory(), StaffFactory()
    promise_due(lena, MONDAY, reference="LENA-1")
    promise_due(omar, MONDAY, reference="OMAR-1")

    services_promises.send_promise_digests(day=MONDAY)

    to_lena = next(m for m in mailoutbox if m.to == [lena.email])
    assert "LENA-1" in to_lena.body
    assert "OMAR-1" not in to_lena.body


def test_failed_send_released_for_retry(db, mailoutbox, monkeypatch):
    lawyer = StaffFactory()
    promise_due(lawyer, MONDAY)

    def refuse(self, *args, **kwargs):
        raise OSError("SMTP server unavailable")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    failed = services_promises.send_promise_digests(day=MONDAY)
    monkeypatch.undo()
    retried = services_promises.send_promise_digests(day=MONDAY)

    assert (failed, retried) == (0, 1)


def test_digest_escapes_html(db, mailoutbox):
    lawyer = StaffFactory()
    promise_due(lawyer, MONDAY, title="<b>Lease</b> & licence")

    services_promises.send_promise_digests(day=MONDAY)

    [(html, _mimetype)] = mailoutbox[0].alternatives
    assert "&lt;b&gt;Lease&lt;/b&gt; &amp; licence" in html
    assert "<b>Lease</b> & licence" in mailoutbox[0].body


def test_beat_runs_digest_on_mondays():
    app.finalize()
    entry = app.conf.beat_schedule["promises-at-risk-digest"]

    assert entry["task"] == tasks.send_promise_digests.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_week == {1}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_digest_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    workers = [start_live_worker(env={"EMAIL_URL": smtp_sink.url}) for _ in range(2)]
    today = timezone.localdate()
    lawyers = [StaffFactory() for _ in range(3)]
    for lawyer in lawyers:
        promise_due(lawyer, today - dt.timedelta(days=1))

    task_ids = [tasks.send_promise_digests.delay().id for _ in range(4)]
    from .live_services import wait_for_tasks

    wait_for_tasks(task_ids, workers)

    recipients = sorted(r for email in smtp_sink.received for r in email.rcpt_tos)
    assert recipients == sorted(lawyer.email for lawyer in lawyers)
