"""Celery tasks of the feedback app. Each one calls a service function."""

from celery import shared_task
from django.db import OperationalError

from . import guidance
from .surveys import sending

# Every survey email is claimed in the database before it is sent, so a
# retry after a database outage sends nothing twice.
RETRY_OPTIONS = {
    "autoretry_for": (OperationalError,),
    "max_retries": 3,
    "retry_backoff": 60,
    "retry_backoff_max": 15 * 60,
}


# The name is the one the beat schedule in crm_site/celery.py uses.
@shared_task(
    name="feedback.tasks.send_survey_reminders", ignore_result=True, **RETRY_OPTIONS
)
def send_survey_reminders() -> int:
    """Sweep for survey emails due now and return the number sent."""
    result = sending.sweep()
    return result.invitations_sent + result.reminders_sent


@shared_task(
    name="feedback.tasks.send_round_invitations", ignore_result=True, **RETRY_OPTIONS
)
def send_round_invitations(round_id: int) -> int:
    """Send the first emails of a round that has just launched."""
    return sending.send_round_invitations(round_id=round_id)


@shared_task(name="feedback.tasks.send_invitation", ignore_result=True, **RETRY_OPTIONS)
def send_invitation(invitation_id: int) -> bool:
    """Send the first email of one invitation, such as a post-matter one."""
    return sending.send_invitation(invitation_id=invitation_id)


# Guidance articles. Each review date gets one reminder, claimed in the
# database before the email goes out, so retries send nothing twice.
@shared_task(
    name="feedback.tasks.send_article_review_reminders",
    ignore_result=True,
    **RETRY_OPTIONS,
)
def send_article_review_reminders() -> int:
    """Remind owners of articles whose review date has passed; return the count."""
    return guidance.send_review_reminders()
