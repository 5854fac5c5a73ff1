"""A contact with some of every record that contains their personal data.

The subject access and erasure tests both build on it, with a few or many of
each record, to check what the export contains and what erasure changes.
"""

import datetime as dt

from axes.models import AccessLog
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, PortalInvitation, PortalMembership
from accounts.roles import Role
from feedback.models import Answer, ArticleVote

from .factories import (
    ArticleFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    InvitationFactory,
    MatterFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyRoundFactory,
    TimeEntryFactory,
    UserFactory,
)

NAME = "Joanna Bloggs"
EMAIL = "joanna.bloggs@northfield.example.org"
PHONE = "01632 960777"


def seed_contact_history(*, client_org, staff, times=1, email=EMAIL):
    """Return a contact of ``client_org`` with ``times`` of each record."""
    contact = ContactFactory(
        client=client_org, full_name=NAME, email=email, phone=PHONE
    )
    account = _portal_account(contact, staff)
    for number in range(times):
        _contact_log_entry(contact, staff, number)
        _answered_survey(contact, number)
        FeedbackFactory(
            client=client_org,
            contact=contact,
            kind="complaint",
            subject=f"Late reply {number}",
            message='=HYPERLINK("http://example.org") I waited a month.',
            response=f"Sorry, {NAME}.",
        )
        FeedbackFactory(client=client_org, submitted_by=account, message="Thanks!")
        matter = MatterFactory(
            client=client_org, client_contact=contact, title=f"{NAME} lease {number}"
        )
        TimeEntryFactory(matter=matter, staff=matter.responsible_lawyer, minutes=45)
        audit.record(
            action=AuditEvent.Action.UPDATE,
            actor=staff,
            target=contact,
            changes={"email": ["old@example.org", email], "full_name": [NAME, NAME]},
        )
    audit.record(action=AuditEvent.Action.SIGN_IN, actor=account)
    ArticleVote.objects.create(
        article=ArticleFactory(owner=staff),
        user=account,
        client=client_org,
        helpful=False,
        comment=f"{NAME} here: this did not help",
    )
    AccessLog.objects.create(
        username=email,
        ip_address="192.0.2.10",
        user_agent="Firefox",
        http_accept="text/html",
        path_info="/portal/sign-in/",
    )
    audit.record(action=AuditEvent.Action.SIGN_IN_FAILED, username=email)
    return contact


def _portal_account(contact, staff):
    account = UserFactory(email=contact.email, full_name=NAME, roles=(Role.CLIENT,))
    PortalMembership.objects.create(user=account, client=contact.client)
    PortalInvitation.objects.create(
        contact=contact,
        client=contact.client,
        email=contact.email,
        token_hash=f"{contact.pk:064d}",
        created_by=staff,
        expires_at=timezone.now() + dt.timedelta(days=7),
        accepted_at=timezone.now(),
        accepted_by=account,
    )
    return account


def _contact_log_entry(contact, staff, number):
    interaction = InteractionFactory(
        client=contact.client,
        staff=staff,
        summary=f"Met {NAME} ({contact.email}) about the lease, visit {number}",
        outcome=f"Call her on {PHONE}",
    )
    interaction.contacts.add(contact)


def _answered_survey(contact, number):
    survey_round = SurveyRoundFactory()
    invitation = InvitationFactory(round=survey_round, contact=contact)
    response = ResponseFactory(
        round=survey_round, client=contact.client, invitation=invitation
    )
    rating = QuestionFactory(survey=survey_round.survey, kind="rating")
    comment = QuestionFactory(survey=survey_round.survey, kind="free_text")
    Answer.objects.create(response=response, question=rating, score=2 + number % 3)
    Answer.objects.create(
        response=response, question=comment, text=f"I am {NAME}, call me back"
    )
