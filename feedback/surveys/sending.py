"""Survey emails: first invitations and reminders, each claimed before it is sent.

Each email is claimed and sent in one transaction of its own: it re-checks
that the email is still due, moves the invitation's state on (sent time,
reminder count, next reminder time), stores the hash of the email's new token,
sends the email, and commits only once the SMTP server has accepted it. Two
workers cannot both claim one email, because on PostgreSQL the claim locks
the row with ``SELECT ... FOR UPDATE SKIP LOCKED`` and the other worker skips
it, and on SQLite the claim is a conditional ``UPDATE`` that matches no row
once another worker has moved the state on. A failed send rolls the claim
back, and so does the database when a worker dies mid-send and its connection
drops, so a later run sends that email, and only that one.

Call these functions outside any transaction, as the Celery tasks do. Inside
one, every claim would commit only at its end, and a worker killed before then
would leave every email it had sent to be sent again.
"""

import enum
import functools
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clients.working_days import is_working_day

from ..models import Invitation, InvitationToken, SurveyRound
from .rounds import close_expired_rounds
from .tokens import new_token

logger = logging.getLogger(__name__)

# Maximum emails per sweep. Anything left waits for the next sweep, so one run
# stays well inside the task time limit.
SWEEP_BATCH_SIZE = 500


class EmailKind(enum.Enum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class Outcome(enum.Enum):
    SENT = "sent"
    CLAIMED_ELSEWHERE = "claimed elsewhere"
    FAILED = "failed"


@dataclass(frozen=True)
class SweepResult:
    invitations_sent: int = 0
    reminders_sent: int = 0
    failed: int = 0
    rounds_closed: int = 0
    outside_working_hours: bool = False


# Working hours
# ---------------------------------------------------------------------------


def working_hours() -> tuple[time, time]:
    """Return the start and end of working hours from the settings."""
    start = _parse_time("SURVEY_WORKING_HOURS_START")
    end = _parse_time("SURVEY_WORKING_HOURS_END")
    if end <= start:
        raise ImproperlyConfigured(
            f"SURVEY_WORKING_HOURS_END {end:%H:%M} is not after "
            f"SURVEY_WORKING_HOURS_START {start:%H:%M}. Set an end after the start."
        )
    return start, end


def _parse_time(name: str) -> time:
    value = getattr(settings, name)
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(
            f"{name} {value!r} is invalid. Set it to a time such as 09:00."
        ) from error


def is_working_time(moment: datetime) -> bool:
    """Return whether ``moment`` falls in working hours on a London working day.

    Working days are Monday to Friday less England and Wales bank holidays.
    The comparison is in London's local time, so 09:00 means 09:00 GMT in
    winter and 09:00 BST in summer.
    """
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    start, end = working_hours()
    return is_working_day(local.date()) and start <= local.time() < end


# Which emails are due
# ---------------------------------------------------------------------------


def _sendable(now: datetime) -> Q:
    """Invitations whose round accepts answers and whose contact can be emailed."""
    return Q(
        round__status=SurveyRound.Status.OPEN,
        round__opens_at__lte=now,
        round__closes_at__gt=now,
        responded_at__isnull=True,
        contact__is_active=True,
        contact__survey_opt_out__isnull=True,
    ) & ~Q(contact__email="")


def _due(kind: EmailKind, now: datetime) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(_sendable(now))
    if kind is EmailKind.INVITATION:
        return invitations.filter(sent_at__isnull=True)
    return invitations.filter(
        sent_at__isnull=False,
        next_reminder_at__lte=now,
        reminders_sent__lt=F("round__max_reminders"),
    )


def _candidates(kind: EmailKind, now: datetime, **filters) -> list[Invitation]:
    return list(
        _due(kind, now)
        .filter(**filters)
        .select_related("round__survey", "contact")
        .order_by("pk")[:SWEEP_BATCH_SIZE]
    )


# Entry points
# ---------------------------------------------------------------------------


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Close expired rounds, then send the invitations and reminders now due.

    Emails go out only in working hours, unless ``SURVEY_WORKING_HOURS_ONLY``
    is off. Running it again, or in two workers at once, sends nothing twice.
    """
    now = now or timezone.now()
    rounds_closed = close_expired_rounds(now=now)
    if settings.SURVEY_WORKING_HOURS_ONLY and not is_working_time(now):
        return SweepResult(rounds_closed=rounds_closed, outside_working_hours=True)

    invitations = _send_all(
        EmailKind.INVITATION, _candidates(EmailKind.INVITATION, now), now
    )
    reminders = _send_all(EmailKind.REMINDER, _candidates(EmailKind.REMINDER, now), now)
    result = SweepResult(
        invitations_sent=invitations[Outcome.SENT],
        reminders_sent=reminders[Outcome.SENT],
        failed=invitations[Outcome.FAILED] + reminders[Outcome.FAILED],
        rounds_closed=rounds_closed,
    )
    logger.info(
        "Survey sweep: %d invitations and %d reminders sent, %d failed, "
        "%d rounds closed",
        result.invitations_sent,
        result.reminders_sent,
        result.failed,
        result.rounds_closed,
    )
    return result


def send_round_invitations(*, round_id: int, now: datetime | None = None) -> int:
    """Send the first email of each unsent invitation of one round, at any hour.

    A launch calls this at once. Invitations it leaves unsent, for example
    because the round opens later, are sent by the sweep. Returns the number
    sent.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        batch = _candidates(EmailKind.INVITATION, now, round_id=round_id)
        outcomes = _send_all(EmailKind.INVITATION, batch, now)
        sent += outcomes[Outcome.SENT]
        if len(batch) < SWEEP_BATCH_SIZE or not outcomes[Outcome.SENT]:
            return sent


def send_invitation(*, invitation_id: int, now: datetime | None = None) -> bool:
    """Send one invitation's first email if it is still due. Returns whether sent."""
    now = now or timezone.now()
    candidates = _candidates(EmailKind.INVITATION, now, pk=invitation_id)
    return _send_all(EmailKind.INVITATION, candidates, now)[Outcome.SENT] == 1


def _send_all(kind: EmailKind, invitations: list[Invitation], now: datetime) -> Counter:
    outcomes = Counter()
    if not invitations:
        return outcomes

    with _MailSession() as mail, _commits_without_waiting_for_disk():
        for invitation in invitations:
            outcomes[_deliver(kind, invitation, now, mail=mail)] += 1
    return outcomes


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """Let PostgreSQL commit this batch's claims without flushing each to disk.

    Every email commits its own claim, and waiting for each flush costs about
    as much as rendering and sending the email. Without the wait, a crash of
    the database server before its WAL writer flushes a commit (every
    wal_writer_delay, 200 ms by default) loses that claim. The contact then
    gets that email again on the next run, as when a worker dies between the
    send and the commit.
    https://www.postgresql.org/docs/current/wal-async-commit.html
    """
    if connection.vendor != "postgresql":
        yield
        return

    # Set once for the session, not per transaction, to save a round trip
    # per email. The reset keeps it from reaching the connection's next user.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        _reset_synchronous_commit()


def _reset_synchronous_commit() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    except DatabaseError:
        # A connection that cannot take the reset is dropped, so that no
        # later commit on it skips the flush.
        logger.warning(
            "Resetting synchronous_commit failed, so the connection is closed",
            exc_info=True,
        )
        connection.close()


class _MailSession:
    """One connection to the mail server for a batch of emails.

    Opening an SMTP connection for each email costs more than rendering and
    sending it. The connection opens at the first email and closes after the
    batch. A connection whose send fails is closed, and the next email opens a
    new one.
    """

    def __init__(self) -> None:
        self._backend = get_connection()
        self._is_open = False

    def __enter__(self) -> "_MailSession":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, message: EmailMultiAlternatives) -> None:
        if not self._is_open:
            self._backend.open()
            self._is_open = True
        try:
            self._backend.send_messages([message])
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if not self._is_open:
            return
        self._is_open = False
        try:
            self._backend.close()
        except Exception:
            # The server has accepted the emails sent so far. A failed QUIT
            # only leaves the socket for the operating system to close.
            logger.warning("Closing the mail connection failed", exc_info=True)


# Claim and send in one transaction
# ---------------------------------------------------------------------------


class _SendFailed(Exception):
    """The email could not be sent, so its claim is to be rolled back."""


def _deliver(
    kind: EmailKind,
    invitation: Invitation,
    now: datetime,
    *,
    mail: _MailSession | None = None,
) -> Outcome:
    # NOTE: the contact gets an email twice only if the claim cannot commit
    # after the server accepted it (the worker killed, or the database gone,
    # in that instant), or if SMTP fails after acceptance (during QUIT, say).
    try:
        with transaction.atomic():
            token = _claim(kind, invitation, now)
            if token is None:
                return Outcome.CLAIMED_ELSEWHERE
            _send(kind, invitation, token, mail)
    except _SendFailed:
        logger.exception(
            "Survey %s for invitation %s failed; a later run will retry",
            kind.value,
            invitation.pk,
        )
        return Outcome.FAILED
    return Outcome.SENT


def _send(
    kind: EmailKind, invitation: Invitation, token: str, mail: _MailSession | None
) -> None:
    # Whatever failed, the contact has no email, so the claim rolls back for
    # a later run to try again.
    try:
        message = _email(kind, invitation, token)
        if mail is None:
            message.send()
        else:
            mail.send(message)
    except Exception as error:
        raise _SendFailed from error


def _claim(kind: EmailKind, invitation: Invitation, now: datetime) -> str | None:
    """Move the invitation's state past this email and return the email's token.

    Returns None if the email is no longer due. Call it inside the
    transaction that sends the email. The conditional ``UPDATE`` matches only
    while the state is the one read by the sweep, so of two workers holding
    the same stale copy only one changes a row.
    """
    survey_round = invitation.round
    before = {
        "sent_at": invitation.sent_at,
        "last_emailed_at": invitation.last_emailed_at,
        "next_reminder_at": invitation.next_reminder_at,
        "reminders_sent": invitation.reminders_sent,
    }
    reminders_after = invitation.reminders_sent + (kind is EmailKind.REMINDER)
    has_reminder_left = reminders_after < survey_round.max_reminders
    after = {
        "sent_at": invitation.sent_at or now,
        "last_emailed_at": now,
        "next_reminder_at": (
            now + timedelta(days=survey_round.reminder_interval_days)
            if has_reminder_left
            else None
        ),
        "reminders_sent": reminders_after,
    }
    token, token_hash = new_token()

    if connection.vendor == "postgresql":
        claimed = _claim_in_one_statement(
            kind, now, invitation.pk, before, after, token_hash
        )
        return token if claimed else None

    rows = _due(kind, now).filter(pk=invitation.pk, **before)
    claimed = Invitation.objects.filter(pk__in=rows.order_by().values("pk"))
    if not claimed.update(**after):
        return None
    InvitationToken.objects.create(
        invitation_id=invitation.pk, token_hash=token_hash, created_at=now
    )
    return token


# The state columns, in the order the claim's statement sets and compares them.
STATE_COLUMNS = ("sent_at", "last_emailed_at", "next_reminder_at", "reminders_sent")


def _claim_in_one_statement(
    kind: EmailKind,
    now: datetime,
    invitation_id: int,
    before: dict,
    after: dict,
    token_hash: str,
) -> bool:
    """Claim on PostgreSQL in one round trip: lock, update and store the token.

    The subquery locks the row, or skips it while another worker holds it,
    and the conditions of ``_due`` come from the ORM, so they are the same as
    the candidates'. Building that query for every email took longer than
    sending the email, so the statement is built once per sweep.
    """
    statement, due_params = _claim_statement(kind, now)
    params = [
        *(after[column] for column in STATE_COLUMNS),
        invitation_id,
        *(before[column] for column in STATE_COLUMNS),
        *due_params,
        token_hash,
        now,
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() is not None


@functools.lru_cache(maxsize=4)
def _claim_statement(kind: EmailKind, now: datetime) -> tuple[str, tuple]:
    """Return the claim's SQL for one sweep and the parameters of its due check."""
    due = _due(kind, now).order_by().values("pk")
    due_sql, due_params = due.query.sql_with_params()
    assignments = ", ".join(f"{column} = %s" for column in STATE_COLUMNS)
    unchanged = " AND ".join(
        f"claim.{column} IS NOT DISTINCT FROM %s" for column in STATE_COLUMNS
    )
    statement = (
        f"WITH claimed AS (UPDATE {Invitation._meta.db_table} SET {assignments} "
        f"WHERE id = (SELECT claim.id FROM {Invitation._meta.db_table} AS claim "
        f"WHERE claim.id = %s AND {unchanged} AND claim.id IN ({due_sql}) "
        "FOR UPDATE OF claim SKIP LOCKED) RETURNING id) "
        f"INSERT INTO {InvitationToken._meta.db_table} "
        "(invitation_id, token_hash, created_at) "
        "SELECT id, %s, %s FROM claimed RETURNING id"
    )
    return statement, due_params


# The emails
# ---------------------------------------------------------------------------


def answer_url(invitation: Invitation, token: str) -> str:
    path = reverse("surveys:answer", args=[invitation.round_id, token])
    return settings.SITE_URL + path


def opt_out_url(invitation: Invitation, token: str) -> str:
    path = reverse("surveys:opt_out", args=[invitation.round_id, token])
    return settings.SITE_URL + path


def _email(
    kind: EmailKind, invitation: Invitation, token: str
) -> EmailMultiAlternatives:
    survey_round = invitation.round
    context = {
        "contact": invitation.contact,
        "survey": survey_round.survey,
        "round": survey_round,
        "is_reminder": kind is EmailKind.REMINDER,
        "answer_url": answer_url(invitation, token),
        "opt_out_url": opt_out_url(invitation, token),
        "closes_at": timezone.localtime(survey_round.closes_at),
    }
    text = render_to_string("feedback/surveys/email/invitation.txt", context)
    html = render_to_string("feedback/surveys/email/invitation.html", context)
    prefix = "Reminder: " if kind is EmailKind.REMINDER else ""
    message = EmailMultiAlternatives(
        subject=f"{prefix}{survey_round.survey.title}: please tell us how we did",
        body=text,
        to=[invitation.contact.email],
        headers={"List-Unsubscribe": f"<{context['opt_out_url']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message
