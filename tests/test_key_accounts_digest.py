"""The weekly key account digest and the nightly refreshes, through Celery."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import tasks
from clients.models import DigestDelivery, RankingFigures
from clients.services_key_accounts import add_months
from crm_site.celery import app

from .factories import ClientPlanFactory, KeyAccountFactory, PlanActionFactory
from .live_services import wait_for_tasks


def add_account_due_this_week():
    today = timezone.localdate()
    account = KeyAccountFactory(next_review_on=today + dt.timedelta(days=1))
    plan = ClientPlanFactory(key_account=account, status="agreed")
    PlanActionFactory(plan=plan, due_on=today - dt.timedelta(days=3))
    return account


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)),
        (dt.date(2026, 6, 30), 12, dt.date(2027, 6, 30)),
    ],
)
def test_add_months_clamps_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_recording_review_moves_next_review(client, practice_manager):
    account = KeyAccountFactory(review_frequency_months=6)
    client.force_login(practice_manager)

    client.post(reverse("clients:key_account_reviewed", args=[account.pk]))

    account.refresh_from_db()
    assert account.next_review_on == add_months(timezone.localdate(), 6)


def test_lawyer_cannot_record_review(client, lawyer):
    account = KeyAccountFactory(owner=lawyer)
    client.force_login(lawyer)

    response = client.post(reverse("clients:key_account_reviewed", args=[account.pk]))

    assert response.status_code == 403


def test_health_task_stores_rating_reasons(db):
    account = KeyAccountFactory()
    tasks.refresh_key_account_health.apply()

    account.refresh_from_db()
    assert account.health == "red"
    assert account.health_reasons[0]["reason"] == "No contact has been logged yet."


def test_task_sends_this_weeks_digests(db, mailoutbox):
    add_account_due_this_week()

    result = tasks.send_key_account_digests.apply()

    assert result.get() == 2
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("entry", "task"),
    [
        ("key-account-digest", tasks.send_key_account_digests),
        ("key-account-health", tasks.refresh_key_account_health),
        ("ranking-figures", tasks.refresh_ranking_figures),
    ],
)
def test_beat_runs_key_account_tasks(entry, task):
    app.finalize()

    assert app.conf.beat_schedule[entry]["task"] == task.name
    assert task.name in app.tasks


def test_digest_beat_runs_on_mondays():
    app.finalize()

    assert app.conf.beat_schedule["key-account-digest"]["schedule"].day_of_week == {1}


def test_ranking_beat_runs_after_night_jobs():
    app.finalize()
    schedule = app.conf.beat_schedule

    ranking = schedule["ranking-figures"]["schedule"]
    assert ranking.day_of_week == set(range(7))
    assert ranking.hour == {5}
    assert max(schedule["data-retention"]["schedule"].hour) < 5
    assert max(schedule["kpi-nightly-rollup"]["schedule"].hour) < 5


def test_ranking_task_stores_figures(client_org):
    result = tasks.refresh_ranking_figures.apply()

    assert result.get() == 1
    assert RankingFigures.objects.get().client == client_org


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_digest_once(
    start_live_worker, smtp_sink, celery_app_on_redis
):
    workers = [start_live_worker(env={"EMAIL_URL": smtp_sink.url}) for _ in range(2)]
    account = add_account_due_this_week()

    task_ids = [tasks.send_key_account_digests.delay().id for _ in range(3)]
    wait_for_tasks(task_ids, workers)

    recipients = sorted(rcpt for email in smtp_sink.received for rcpt in email.rcpt_tos)
    assert recipients == sorted([account.owner.email, account.sponsor.email])
    assert DigestDelivery.objects.filter(kind="key_accounts").count() == 2
    subject = smtp_sink.received[0].message["Subject"]
    assert subject.startswith("Legal CRM: key accounts, week of ")
