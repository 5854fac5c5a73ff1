"""The nightly retention job: what passes its period, and what it leaves alone.

Every rule is checked on both sides of its boundary, with the default
periods and a fixed day, 4 December 2026.
"""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, PortalInvitation
from clients.models import ImportIssue, ImportJob, Interaction, Matter, TimeEntry
from clients.privacy import retention
from clients.privacy.retention import REMOVED_TEXT, apply_retention
from clients.tasks import apply_retention as apply_retention_task
from crm_site.celery import app
from feedback.models import Answer, Feedback, Invitation, Response

from .factories import (
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    InvitationFactory,
    MatterFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyRoundFactory,
    TimeEntryFactory,
)

TODAY = dt.date(2026, 12, 4)
MINUTE = dt.timedelta(minutes=1)


def london(year, month, day):
    return timezone.make_aware(dt.datetime(year, month, day))


# Six years before TODAY, at midnight London time: the contact log, feedback
# and matter boundary. Three years: surveys. Seven years: the audit trail.
SIX_YEARS_AGO = london(2020, 12, 4)
THREE_YEARS_AGO = london(2023, 12, 4)
SEVEN_YEARS_AGO = london(2019, 12, 4)


def run():
    return {result.record_type: result for result in apply_retention(today=TODAY)}


def contact_log_entry(client, staff, when, contact=None):
    interaction = InteractionFactory(
        client=client,
        staff=staff,
        occurred_at=when,
        summary=f"Talked to {contact or 'the head'} about the lease",
        outcome="Agreed to send a draft",
        follow_up_action="Send the draft",
        follow_up_due=when.date(),
    )
    if contact:
        interaction.contacts.add(contact)
    return interaction


# Contact log
# ---------------------------------------------------------------------------


def test_contact_log_anonymised_after_six_quiet_years(client_org, lawyer):
    contact = ContactFactory(client=client_org)
    old = contact_log_entry(client_org, lawyer, SIX_YEARS_AGO - MINUTE, contact)

    run()

    old.refresh_from_db()
    assert old.summary == REMOVED_TEXT
    assert (old.outcome, old.follow_up_action) == ("", "")
    assert old.occurred_at == SIX_YEARS_AGO - MINUTE
    assert old.follow_up_due == (SIX_YEARS_AGO - MINUTE).date()
    assert list(old.contacts.all()) == []
    assert Interaction.objects.filter(client=client_org).count() == 1


def test_contact_log_kept_at_six_year_boundary(client_org, lawyer):
    kept = contact_log_entry(client_org, lawyer, SIX_YEARS_AGO)

    run()

    kept.refresh_from_db()
    assert kept.summary.startswith("Talked to")


def test_recent_activity_keeps_older_contact_log(client_org, lawyer):
    """The period runs from the client's last logged contact, not each entry's."""
    old = contact_log_entry(client_org, lawyer, SIX_YEARS_AGO - dt.timedelta(days=900))
    contact_log_entry(client_org, lawyer, london(2026, 11, 1))

    run()

    old.refresh_from_db()
    assert old.summary.startswith("Talked to")


# Surveys
# ---------------------------------------------------------------------------


def answered_response(submitted_on, contact):
    survey_round = SurveyRoundFactory(
        opens_at=london(2020, 1, 1), closes_at=london(2026, 1, 1)
    )
    invitation = InvitationFactory(round=survey_round, contact=contact)
    response = ResponseFactory(
        round=survey_round,
        client=contact.client,
        invitation=invitation,
        submitted_on=submitted_on,
    )
    rating = QuestionFactory(survey=survey_round.survey, kind="rating")
    comment = QuestionFactory(survey=survey_round.survey, kind="free_text")
    Answer.objects.create(response=response, question=rating, score=4)
    Answer.objects.create(response=response, question=comment, text="Ask for Jo")
    return response


def test_survey_answers_blanked_after_three_years(client_org):
    contact = ContactFactory(client=client_org)
    response = answered_response(dt.date(2023, 12, 3), contact)

    run()

    response.refresh_from_db()
    assert response.invitation is None
    assert response.submitted_on == dt.date(2023, 12, 3)
    assert set(response.answers.values_list("score", "text")) == {(4, ""), (None, "")}


def test_survey_answers_kept_at_three_year_boundary(client_org):
    contact = ContactFactory(client=client_org)
    response = answered_response(dt.date(2023, 12, 4), contact)

    run()

    response.refresh_from_db()
    assert response.invitation is not None
    assert response.answers.filter(text="Ask for Jo").exists()


def test_survey_invitations_of_old_rounds_deleted(client_org):
    contact = ContactFactory(client=client_org)
    old_round = SurveyRoundFactory(
        opens_at=london(2023, 10, 1), closes_at=THREE_YEARS_AGO - MINUTE
    )
    boundary_round = SurveyRoundFactory(
        opens_at=london(2023, 10, 1), closes_at=THREE_YEARS_AGO
    )
    old = InvitationFactory(round=old_round, contact=contact)
    kept = InvitationFactory(round=boundary_round, contact=contact)
    response = ResponseFactory(
        round=old_round,
        client=client_org,
        invitation=old,
        submitted_on=dt.date(2023, 12, 5),
    )

    run()

    assert list(Invitation.objects.all()) == [kept]
    response.refresh_from_db()
    assert response.invitation is None


# Feedback, portal invitations and import files
# ---------------------------------------------------------------------------


def test_feedback_anonymised_after_six_years(client_org, portal_user):
    contact = ContactFactory(client=client_org)
    old = FeedbackFactory(
        client=client_org,
        kind="complaint",
        contact=contact,
        submitted_by=portal_user,
        received_at=SIX_YEARS_AGO - MINUTE,
        response="Sorry, Jo.",
        status="resolved",
    )
    kept = FeedbackFactory(client=client_org, received_at=SIX_YEARS_AGO)

    run()

    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.subject, old.message, old.response) == (REMOVED_TEXT, "", "")
    assert (old.contact, old.submitted_by) == (None, None)
    assert (old.kind, old.status) == ("complaint", "resolved")
    assert old.received_at == SIX_YEARS_AGO - MINUTE
    assert kept.message == "It would help to have a named contact."


def portal_invitation(contact, expires_at):
    return PortalInvitation.objects.create(
        contact=contact,
        client=contact.client,
        email=contact.email,
        token_hash=f"{expires_at.timestamp():064.0f}",
        created_at=expires_at - dt.timedelta(days=7),
        expires_at=expires_at,
    )


def test_portal_invitations_deleted_a_year_after_expiry(client_org):
    contact = ContactFactory(client=client_org)
    portal_invitation(contact, london(2025, 12, 4) - MINUTE)
    kept = portal_invitation(contact, london(2025, 12, 4))

    results = run()

    assert list(PortalInvitation.objects.all()) == [kept]
    assert results["portal invitations"].deleted == 1


def import_job(created_at, status=ImportJob.Status.APPLIED):
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.CONTACTS,
        status=status,
        file_name="contacts.csv",
        content=b"name,email\nJo Bloggs,jo@example.org\n",
        total_rows=1,
        invalid_rows=1,
    )
    ImportIssue.objects.create(
        job=job, row_number=2, field="email", value="jo@", message="Bad email."
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=created_at)
    return job


def test_import_files_dropped_after_ninety_days(db):
    cutoff = london(2026, 9, 5)
    old = import_job(cutoff - MINUTE)
    kept = import_job(cutoff)
    running = import_job(cutoff - MINUTE, status=ImportJob.Status.APPLYING)

    run()

    old.refresh_from_db()
    assert bytes(old.content) == b""
    assert (old.total_rows, old.invalid_rows) == (1, 1)
    assert list(ImportIssue.objects.values_list("job", flat=True).order_by("job")) == [
        kept.pk,
        running.pk,
    ]
    kept.refresh_from_db()
    assert bytes(kept.content).startswith(b"name,email")


def test_period_read_from_settings(db, settings):
    settings.RETENTION_IMPORT_FILE_DAYS = 10
    old = import_job(london(2026, 11, 24) - MINUTE)
    kept = import_job(london(2026, 11, 24))

    run()

    old.refresh_from_db()
    kept.refresh_from_db()
    assert bytes(old.content) == b""
    assert bytes(kept.content) != b""


# Matters, time and the audit trail
# ---------------------------------------------------------------------------


def closed_matter(client, closed_on, contact=None):
    matter = MatterFactory(
        client=client,
        client_contact=contact,
        title="Jo Bloggs v Council",
        opened_on=dt.date(2019, 1, 7),
        status=Matter.Status.CLOSED,
        closed_on=closed_on,
    )
    TimeEntryFactory(
        matter=matter,
        staff=matter.responsible_lawyer,
        worked_on=dt.date(2019, 1, 8),
        minutes=90,
        note="Called Jo at home",
    )
    return matter


def test_matters_and_time_anonymised_six_years_after_closing(client_org):
    contact = ContactFactory(client=client_org)
    old = closed_matter(client_org, dt.date(2020, 12, 3), contact)
    kept = closed_matter(client_org, dt.date(2020, 12, 4), contact)

    run()

    old.refresh_from_db()
    assert (old.title, old.client_contact) == (REMOVED_TEXT, None)
    entry = old.time_entries.get()
    assert (entry.note, entry.minutes) == ("", 90)
    assert entry.amount == Decimal("127.50")
    kept.refresh_from_db()
    assert kept.title == "Jo Bloggs v Council"
    assert kept.time_entries.get().note == "Called Jo at home"


def test_audit_entries_deleted_after_seven_years(client_org, lawyer):
    old = audit.record(action=AuditEvent.Action.VIEW, actor=lawyer, target=client_org)
    kept = audit.record(action=AuditEvent.Action.VIEW, actor=lawyer, target=client_org)
    AuditEvent.objects.filter(pk=old.pk).update(at=SEVEN_YEARS_AGO - MINUTE)
    AuditEvent.objects.filter(pk=kept.pk).update(at=SEVEN_YEARS_AGO)

    run()

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]


# Legal holds, idempotency, logging and the schedule
# ---------------------------------------------------------------------------


@pytest.fixture
def expired_history(client_org, lawyer, portal_user):
    """One record of every kind at the client, each past its period."""
    contact = ContactFactory(client=client_org)
    interaction = contact_log_entry(client_org, lawyer, SIX_YEARS_AGO - MINUTE, contact)
    feedback = FeedbackFactory(
        client=client_org, contact=contact, received_at=SIX_YEARS_AGO - MINUTE
    )
    response = answered_response(dt.date(2023, 12, 3), contact)
    matter = closed_matter(client_org, dt.date(2020, 12, 3), contact)
    invitation = portal_invitation(contact, london(2025, 12, 4) - MINUTE)
    entry = audit.record(action=AuditEvent.Action.VIEW, actor=lawyer, target=client_org)
    AuditEvent.objects.filter(pk=entry.pk).update(at=SEVEN_YEARS_AGO - MINUTE)
    return {
        "contact": contact,
        "interaction": interaction,
        "feedback": feedback,
        "response": response,
        "matter": matter,
        "invitation": invitation,
        "audit": entry,
    }


def snapshot_of_everything():
    return {
        "interactions": list(Interaction.objects.values()),
        "links": list(Interaction.contacts.through.objects.values()),
        "feedback": list(Feedback.objects.values()),
        "responses": list(Response.objects.values()),
        "answers": list(Answer.objects.values()),
        "invitations": list(Invitation.objects.values()),
        "matters": list(Matter.objects.values()),
        "time": list(TimeEntry.objects.values()),
        "portal_invitations": list(PortalInvitation.objects.values()),
        "audit": list(AuditEvent.objects.values()),
    }


def test_client_legal_hold_keeps_everything(client_org, expired_history):
    client_org.legal_hold = True
    client_org.legal_hold_reason = "Judicial review claim"
    client_org.save()
    before = snapshot_of_everything()

    results = run()

    assert snapshot_of_everything() == before
    assert all(r.anonymised == r.deleted == 0 for r in results.values())


def test_matter_legal_hold_keeps_matter_and_time(client_org, expired_history):
    matter = expired_history["matter"]
    Matter.objects.filter(pk=matter.pk).update(legal_hold=True)

    run()

    matter.refresh_from_db()
    assert matter.title == "Jo Bloggs v Council"
    assert matter.time_entries.get().note == "Called Jo at home"
    expired_history["interaction"].refresh_from_db()
    assert expired_history["interaction"].summary == REMOVED_TEXT


def test_contact_legal_hold_keeps_their_records(client_org, expired_history):
    contact = expired_history["contact"]
    contact.legal_hold = True
    contact.save()

    run()

    expired_history["interaction"].refresh_from_db()
    assert expired_history["interaction"].summary.startswith("Talked to")
    expired_history["feedback"].refresh_from_db()
    assert expired_history["feedback"].contact == contact
    assert PortalInvitation.objects.filter(contact=contact).exists()
    expired_history["response"].refresh_from_db()
    assert expired_history["response"].invitation is not None


def test_audit_entries_about_held_client_kept(client_org, expired_history):
    client_org.legal_hold = True
    client_org.save()

    run()

    assert AuditEvent.objects.filter(pk=expired_history["audit"].pk).exists()


def test_second_run_changes_nothing(expired_history):
    first = run()
    after_first = snapshot_of_everything()

    second = run()

    assert snapshot_of_everything() == after_first
    assert any(r.anonymised or r.deleted for r in first.values())
    assert all(r.anonymised == r.deleted == 0 for r in second.values())


def test_one_log_line_per_record_type(expired_history, caplog):
    caplog.set_level(logging.INFO, logger=retention.__name__)

    run()

    lines = [r.getMessage() for r in caplog.records if r.name == retention.__name__]
    assert len(lines) == len(retention.RULES)
    assert "Retention of feedback items: 1 anonymised, 0 deleted" in lines
    assert "Retention of portal invitations: 0 anonymised, 1 deleted" in lines
    assert not any(expired_history["contact"].full_name in line for line in lines)


def test_task_returns_counts_per_record_type(expired_history):
    counts = apply_retention_task()

    assert counts["portal invitations"] == {"anonymised": 0, "deleted": 1}
    assert len(counts) == len(retention.RULES)


def test_beat_runs_retention_daily():
    entry = app.conf.beat_schedule["data-retention"]

    assert entry["task"] == apply_retention_task.name
    assert entry["schedule"].hour == {3}
    assert entry["schedule"].day_of_week == set(range(7))


def test_years_before_moves_leap_day_to_28th():
    assert retention.years_before(dt.date(2028, 2, 29), 3) == dt.date(2025, 2, 28)
