"""Erasure of a contact's personal data on their request.

Their name, email, phone and the free text they wrote go. Every row stays,
with its dates, scores, ratings, minutes and amounts, so counts, KPI
records, time and statistics do not change. Text that staff wrote about
them (contact log entries, matter titles, staff replies to their feedback,
audit entries) keeps its words with their name, email and phone replaced.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User
from feedback.models import Answer, ArticleVote, Feedback

from ..models import Contact, Interaction, Matter
from . import holds, records

ERASED_FEEDBACK_SUBJECT = "Feedback from an erased contact"
# Rows rewritten with per-row values go to the database in batches this size.
BATCH_SIZE = 500


class ErasureNotAllowed(Exception):
    """An erasure that is not allowed now, with one sentence per reason."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def erased_name(contact: Contact) -> str:
    return f"Erased contact #{contact.pk}"


@dataclass(frozen=True)
class Redactor:
    """Replaces a person's name, email and phone in text and in audit changes."""

    pattern: re.Pattern | None
    alias: str

    @classmethod
    def for_values(cls, values, alias):
        # The longest value is tried first, so a full name is replaced whole
        # before a shorter value inside it, such as an email's local part.
        needles = sorted({v.strip() for v in values if len(v.strip()) >= 3}, key=len)
        if not needles:
            return cls(None, alias)
        alternatives = "|".join(re.escape(needle) for needle in reversed(needles))
        return cls(re.compile(alternatives, re.IGNORECASE), alias)

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(self.alias, value)

    def data(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        return value


def check_can_erase(contact: Contact) -> None:
    """Raise ``ErasureNotAllowed`` while a hold applies or once already erased."""
    if contact.erased_at is not None:
        raise ErasureNotAllowed(
            ["This contact's personal data has already been erased."]
        )
    reasons = holds.holds_on_contact(contact)
    if reasons:
        raise ErasureNotAllowed(
            [*reasons, "Ask whoever set the hold to clear it before erasing."]
        )


def erasure_counts(contact: Contact) -> dict[str, int]:
    """Return how many records of each kind an erasure would change."""
    accounts = list(records.portal_accounts(contact).values_list("pk", flat=True))
    return {
        "contact_log": records.contact_log(contact).count(),
        "matters": records.matters_instructed(contact).count(),
        "survey_responses": records.survey_responses(contact).count(),
        "feedback": records.feedback_given(contact, accounts).count(),
        "portal_accounts": len(accounts),
        "portal_invitations": records.portal_invitations(contact).count(),
    }


@transaction.atomic
def erase_contact(*, contact: Contact, user: User, request=None) -> dict[str, int]:
    """Erase the contact's personal data and return what changed, by kind."""
    contact = (
        Contact.objects.select_for_update().select_related("client").get(pk=contact.pk)
    )
    check_can_erase(contact)

    accounts = list(records.portal_accounts(contact))
    alias = erased_name(contact)
    redactor = Redactor.for_values(_personal_values(contact, accounts), alias)
    # Found before anything changes: the search matches their email address.
    entries = _audit_entries(contact, accounts)
    counts = {
        "contact_log": _redact_contact_log(contact, redactor),
        "matters": _redact_matters(contact, redactor),
        "survey_answers": _blank_answers(contact),
        "feedback": _erase_feedback(contact, accounts, redactor),
        "guidance_comments": _blank_guidance_comments(accounts),
        "portal_accounts": _deactivate_accounts(accounts, alias),
        "portal_invitations": contact.portal_invitations.update(email=""),
        "sign_in_records": _delete_sign_in_records(contact, accounts),
        "audit_entries": _redact_audit(entries, contact, accounts, redactor),
    }
    _erase_contact_row(contact, alias)
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=user,
        target=contact,
        changes={"erasure": counts},
        request=request,
    )
    return counts


def _personal_values(contact, accounts):
    values = [contact.full_name, contact.email, contact.phone]
    for account in accounts:
        values += [account.full_name, account.email]
    return values


def _redact_contact_log(contact, redactor):
    interactions = list(records.contact_log(contact))
    for interaction in interactions:
        interaction.summary = redactor.text(interaction.summary)
        interaction.outcome = redactor.text(interaction.outcome)
        interaction.follow_up_action = redactor.text(interaction.follow_up_action)
    Interaction.objects.bulk_update(
        interactions, ["summary", "outcome", "follow_up_action"], batch_size=BATCH_SIZE
    )
    return len(interactions)


def _redact_matters(contact, redactor):
    matters = list(records.matters_instructed(contact))
    for matter in matters:
        matter.title = redactor.text(matter.title)
    Matter.objects.bulk_update(matters, ["title"], batch_size=BATCH_SIZE)
    return len(matters)


def _blank_answers(contact):
    answers = Answer.objects.filter(response__invitation__contact=contact)
    return answers.exclude(text="").update(text="")


def _erase_feedback(contact, accounts, redactor):
    items = list(records.feedback_given(contact, [a.pk for a in accounts]))
    for item in items:
        item.subject = ERASED_FEEDBACK_SUBJECT
        item.message = ""
        item.response = redactor.text(item.response)
    Feedback.objects.bulk_update(
        items, ["subject", "message", "response"], batch_size=BATCH_SIZE
    )
    return len(items)


def _blank_guidance_comments(accounts):
    votes = ArticleVote.objects.filter(user__in=[account.pk for account in accounts])
    return votes.exclude(comment="").update(comment="")


def _deactivate_accounts(accounts, alias):
    unusable = make_password(None)
    for account in accounts:
        account.is_active = False
        account.full_name = alias
        # The address must stay unique. RFC 2606 reserves .invalid, so no
        # mail can reach it.
        account.email = f"erased-{account.pk}@erased.invalid"
        account.password = unusable
    User.objects.bulk_update(
        accounts, ["is_active", "full_name", "email", "password"], batch_size=BATCH_SIZE
    )
    return len(accounts)


def _delete_sign_in_records(contact, accounts):
    typed = records.typed_emails_q(_emails(contact, accounts))
    deleted = 0
    for model in records.SIGN_IN_MODELS.values():
        deleted += model.objects.filter(typed).delete()[0]
    return deleted


def _emails(contact, accounts):
    return [contact.email, *(account.email for account in accounts)]


def _audit_entries(contact, accounts):
    invitation_ids = list(contact.portal_invitations.values_list("pk", flat=True))
    account_ids = [account.pk for account in accounts]
    feedback_ids = list(
        records.feedback_given(contact, account_ids).values_list("pk", flat=True)
    )
    return list(
        records.audit_entries(
            contact,
            account_ids=account_ids,
            invitation_ids=invitation_ids,
            feedback_ids=feedback_ids,
        )
    )


def _redact_audit(entries, contact, accounts, redactor):
    """Rewrite the entries with bulk updates, because ``AuditEvent.save()`` raises."""
    whole_targets = {
        (Contact, str(contact.pk)),
        *((User, str(account.pk)) for account in accounts),
    }
    for entry in entries:
        target_model = entry.target_type.model_class() if entry.target_type else None
        if (target_model, entry.target_id) in whole_targets:
            entry.target_repr = redactor.alias
        else:
            entry.target_repr = redactor.text(entry.target_repr)
        entry.changes = redactor.data(entry.changes)
        entry.username = redactor.text(entry.username)
    AuditEvent.objects.bulk_update(
        entries, ["target_repr", "changes", "username"], batch_size=BATCH_SIZE
    )
    return len(entries)


def _erase_contact_row(contact, alias):
    contact.full_name = alias
    Contact.objects.filter(pk=contact.pk).update(
        full_name=alias,
        job_title="",
        email="",
        phone="",
        is_active=False,
        is_primary=False,
        erased_at=timezone.now(),
        updated_at=timezone.now(),
    )
