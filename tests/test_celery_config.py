"""The Celery application's settings, as every task relies on them."""

from celery.contrib.django.task import DjangoTask
from django.db import transaction

from clients.tasks import send_follow_up_digests
from crm_site.celery import app


def test_celery_accepts_json_only():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_celery_tasks_have_time_limits():
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def test_celery_uses_london_time():
    assert app.conf.timezone == "Europe/London"


def test_tasks_are_django_tasks():
    assert isinstance(app.tasks[send_follow_up_digests.name], DjangoTask)


def test_delay_on_commit_waits_for_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    task = app.tasks[send_follow_up_digests.name]
    queued = []
    monkeypatch.setattr(task, "delay", lambda *a, **kw: queued.append((a, kw)))

    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            task.delay_on_commit()
        queued_before_commit = list(queued)
    for callback in callbacks:
        callback()

    assert queued_before_commit == []
    assert queued == [((), {})]
