"""The subject access export: a contact's personal data as one ZIP archive.

The archive contains ``data.json`` with every section, one CSV file per
section for reading in a spreadsheet, and ``README.txt`` describing each
file. It is built in memory with a fixed number of queries, however long
the contact's history.
"""

import io
import json
import zipfile
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, PortalMembership, User

from ..exports import Column, render_csv
from ..models import Contact
from . import records

README_INTRO = """\
Personal data held by the legal service about {name}
Contact #{pk} at {client}, exported on {when}.

data.json contains every section below in one file. Each CSV file contains
one section, for reading in a spreadsheet. Dates are in UK time.

Before sending: records such as contact log entries and matters are
included because they are linked to this person, and their text may name
or describe other people. Review them and redact other people's personal
data before the archive leaves the council.

"""


@dataclass(frozen=True)
class Section:
    """One kind of record in the archive: a CSV file and a key of data.json."""

    name: str
    description: str
    rows: list[dict]

    def csv(self) -> bytes:
        headers = list(self.rows[0]) if self.rows else ["none"]
        columns = [Column(header) for header in headers]
        values = [[_cell(row[header]) for header in headers] for row in self.rows]
        return render_csv(columns, values)


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder)
    return value


def build_archive(*, contact: Contact, user: User, request=None) -> bytes:
    """Return the contact's export as ZIP bytes and record it in the audit trail."""
    sections = collect_sections(contact)
    archive = _zip(contact, sections)
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=user,
        target=contact,
        changes={
            "subject_access": {section.name: len(section.rows) for section in sections}
        },
        request=request,
    )
    return archive


def archive_name(contact: Contact) -> str:
    return f"contact-{contact.pk}-personal-data-{timezone.localdate():%Y-%m-%d}.zip"


def collect_sections(contact: Contact) -> list[Section]:
    """Return each kind of record holding the contact's data, in archive order."""
    accounts = list(records.portal_accounts(contact))
    account_ids = [account.pk for account in accounts]
    emails = [contact.email, *(account.email for account in accounts)]
    invitations = list(records.portal_invitations(contact))
    feedback = list(records.feedback_given(contact, account_ids))
    entries = records.audit_entries(
        contact,
        account_ids=account_ids,
        invitation_ids=[invitation.pk for invitation in invitations],
        feedback_ids=[item.pk for item in feedback],
    )
    return [
        Section("contact", "The contact record itself.", [_contact_row(contact)]),
        Section(
            "contact_log",
            "Logged contacts with the legal service that name the contact.",
            [_interaction_row(item) for item in records.contact_log(contact)],
        ),
        Section(
            "matters_instructed",
            "Matters for which the contact instructed the legal service.",
            [_matter_row(matter) for matter in records.matters_instructed(contact)],
        ),
        Section(
            "survey_invitations",
            "Satisfaction survey invitations sent to the contact.",
            [_survey_invitation_row(i) for i in records.survey_invitations(contact)],
        ),
        Section(
            "survey_answers",
            "Answers the contact gave in named surveys, one row per answer. "
            "Answers to anonymous surveys are not linked to anyone.",
            _answer_rows(records.survey_responses(contact)),
        ),
        Section(
            "feedback",
            "Compliments, complaints, suggestions and questions from the contact.",
            [_feedback_row(item) for item in feedback],
        ),
        Section(
            "portal_accounts",
            "The contact's client portal accounts (never the password).",
            [_account_row(account) for account in accounts],
        ),
        Section(
            "guidance_votes",
            "Votes and comments their portal accounts left on guidance articles.",
            [_vote_row(vote) for vote in records.guidance_votes(account_ids)],
        ),
        Section(
            "sign_in_records",
            "Sign-ins and failed sign-ins with their email address, with the "
            "IP address and browser they came from.",
            [_sign_in_row(kind, row) for kind, row in records.sign_in_records(emails)],
        ),
        Section(
            "portal_memberships",
            "The organisations each portal account may see.",
            [_membership_row(m) for m in _memberships(account_ids)],
        ),
        Section(
            "portal_invitations",
            "Emailed invitations to the portal (never the link itself).",
            [_portal_invitation_row(invitation) for invitation in invitations],
        ),
        Section(
            "audit_entries",
            "Audit trail entries about the contact, their portal accounts, "
            "invitations and feedback, and what their accounts did.",
            [_audit_row(entry) for entry in entries],
        ),
    ]


def _zip(contact, sections) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(contact, sections))
        data = {section.name: section.rows for section in sections}
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        for section in sections:
            archive.writestr(f"{section.name}.csv", section.csv())
    return buffer.getvalue()


def _readme(contact, sections) -> str:
    when = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    text = README_INTRO.format(
        name=contact.full_name, pk=contact.pk, client=contact.client.name, when=when
    )
    lines = [
        f"{section.name}.csv ({len(section.rows)} rows): {section.description}"
        for section in sections
    ]
    return text + "\n".join(lines) + "\n"


def _memberships(account_ids):
    return (
        PortalMembership.objects.filter(user__in=account_ids)
        .select_related("client")
        .order_by("user_id", "pk")
    )


# Rows
# ---------------------------------------------------------------------------


def _contact_row(contact):
    return {
        "id": contact.pk,
        "organisation": contact.client.name,
        "full_name": contact.full_name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "preferred_channel": contact.get_preferred_channel_display(),
        "familiarity": contact.get_familiarity_display(),
        "primary_contact": contact.is_primary,
        "active": contact.is_active,
        "lawful_basis": contact.get_lawful_basis_display(),
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _interaction_row(interaction):
    return {
        "id": interaction.pk,
        "when": interaction.occurred_at,
        "channel": interaction.get_channel_display(),
        "kind": interaction.get_kind_display(),
        "staff_member": str(interaction.staff),
        "summary": interaction.summary,
        "outcome": interaction.outcome,
        "follow_up_action": interaction.follow_up_action,
        "follow_up_due": interaction.follow_up_due,
        "follow_up_done": interaction.follow_up_done,
    }


def _matter_row(matter):
    return {
        "id": matter.pk,
        "reference": matter.reference,
        "title": matter.title,
        "status": matter.get_status_display(),
        "opened": matter.opened_on,
        "closed": matter.closed_on,
    }


def _survey_invitation_row(invitation):
    return {
        "id": invitation.pk,
        "survey": invitation.round.survey.title,
        "round": invitation.round.name,
        "created_at": invitation.created_at,
        "sent_at": invitation.sent_at,
        "last_emailed_at": invitation.last_emailed_at,
        "reminders_sent": invitation.reminders_sent,
        "responded_at": invitation.responded_at,
    }


def _answer_rows(responses):
    return [
        {
            "response_id": response.pk,
            "survey": response.round.survey.title,
            "round": response.round.name,
            "submitted_on": response.submitted_on,
            "question": answer.question.text,
            "score": answer.score,
            "choice": answer.choice.label if answer.choice else "",
            "text": answer.text,
        }
        for response in responses
        for answer in response.answers.all()
    ]


def _feedback_row(item):
    return {
        "reference": item.reference,
        "kind": item.get_kind_display(),
        "channel": item.get_channel_display(),
        "received_at": item.received_at,
        "subject": item.subject,
        "message": item.message,
        "matter": item.matter.reference if item.matter else "",
        "status": item.get_status_display(),
        "response": item.response,
        "responded_at": item.responded_at,
        "resolved_at": item.resolved_at,
    }


def _account_row(account):
    return {
        "id": account.pk,
        "email": account.email,
        "full_name": account.full_name,
        "active": account.is_active,
        "date_joined": account.date_joined,
        "last_login": account.last_login,
    }


def _vote_row(vote):
    return {
        "article": vote.article.title,
        "helpful": vote.helpful,
        "comment": vote.comment,
        "created_at": vote.created_at,
        "updated_at": vote.updated_at,
    }


def _sign_in_row(kind, row):
    return {
        "kind": kind,
        "at": row.attempt_time,
        "email_typed": row.username,
        "ip_address": row.ip_address or "",
        "browser": row.user_agent,
    }


def _membership_row(membership):
    return {
        "account_id": membership.user_id,
        "organisation": membership.client.name,
        "created_at": membership.created_at,
    }


def _portal_invitation_row(invitation):
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "organisation": invitation.client.name,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }


def _audit_row(entry):
    return {
        "at": entry.at,
        "action": entry.get_action_display(),
        "by": str(entry.actor) if entry.actor else entry.username,
        "record_type": entry.target_type.name if entry.target_type else "",
        "record": entry.target_repr,
        "changes": entry.changes,
        "ip_address": entry.ip_address or "",
    }
