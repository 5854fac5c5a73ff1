"""Queries for the records that contain a contact's personal data.

The subject access export and erasure both start here, so that an export
shows exactly what an erasure would change.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import AuditEvent, PortalInvitation, User
from accounts.roles import STAFF_ROLES
from feedback.models import ArticleVote, Feedback, Invitation, Response

from ..models import Contact, Interaction, Matter


def portal_accounts(contact: Contact) -> QuerySet[User]:
    """Return the contact's portal accounts, never a member of staff's.

    An account belongs to the contact when it accepted one of their portal
    invitations, or when it has their email address and a membership of
    their organisation.
    """
    accepted = PortalInvitation.objects.filter(
        contact=contact, accepted_by__isnull=False
    ).values("accepted_by")
    mine = Q(pk__in=accepted)
    if contact.email:
        mine |= Q(
            email__iexact=contact.email, portal_memberships__client=contact.client_id
        )
    staff = User.objects.filter(groups__name__in=[role.label for role in STAFF_ROLES])
    return (
        User.objects.filter(mine)
        .exclude(pk__in=staff.values("pk"))
        .distinct()
        .order_by("pk")
    )


def contact_log(contact: Contact) -> QuerySet[Interaction]:
    return contact.interactions.select_related("staff").order_by("occurred_at", "pk")


def survey_invitations(contact: Contact) -> QuerySet[Invitation]:
    return Invitation.objects.filter(contact=contact).select_related("round__survey")


def survey_responses(contact: Contact) -> QuerySet[Response]:
    """Return the contact's responses, which only named rounds link to them."""
    return (
        Response.objects.filter(invitation__contact=contact)
        .select_related("round__survey")
        .prefetch_related("answers__question", "answers__choice")
        .order_by("submitted_on", "pk")
    )


def feedback_given(contact: Contact, account_ids: list[int]) -> QuerySet[Feedback]:
    mine = Q(contact=contact)
    if account_ids:
        mine |= Q(submitted_by__in=account_ids, client=contact.client_id)
    return (
        Feedback.objects.filter(mine)
        .select_related("matter")
        .order_by("received_at", "pk")
    )


def guidance_votes(account_ids: list[int]) -> QuerySet[ArticleVote]:
    """Return the votes, with comments, that their portal accounts left on guidance."""
    return (
        ArticleVote.objects.filter(user__in=account_ids)
        .select_related("article")
        .order_by("created_at", "pk")
    )


# django-axes stores sign-ins (AccessLog), failed sign-ins (AccessFailureLog)
# and running failure counts (AccessAttempt), each with the typed username,
# the IP address and the user agent, as axes/models.py defines them.
SIGN_IN_MODELS = {
    "sign-in": AccessLog,
    "failed sign-in": AccessFailureLog,
    "failed sign-in count": AccessAttempt,
}


def sign_in_records(emails: list[str]) -> list[tuple[str, AccessLog]]:
    """Return ``(kind, row)`` for each sign-in record typed with one of ``emails``."""
    typed = typed_emails_q(emails)
    return [
        (kind, row)
        for kind, model in SIGN_IN_MODELS.items()
        for row in model.objects.filter(typed).order_by("attempt_time", "pk")
    ]


def typed_emails_q(emails: list[str]) -> Q:
    """Match sign-in records whose typed username is one of ``emails``, in any case."""
    typed = Q(pk__in=[])
    for email in filter(None, emails):
        typed |= Q(username__iexact=email)
    return typed


def matters_instructed(contact: Contact) -> QuerySet[Matter]:
    return contact.instructed_matters.order_by("opened_on", "pk")


def portal_invitations(contact: Contact) -> QuerySet[PortalInvitation]:
    return contact.portal_invitations.select_related("client").order_by(
        "created_at", "pk"
    )


def audit_entries(
    contact: Contact,
    *,
    account_ids: list[int],
    invitation_ids: list[int],
    feedback_ids: list[int],
) -> QuerySet[AuditEvent]:
    """Return audit entries about the contact, their accounts and their records.

    These are entries whose target is the contact or one of their portal
    accounts, portal invitations or feedback items. Entries of what their
    accounts did, and failed sign-ins typed with their email, count too.
    """
    types = ContentType.objects.get_for_models(
        Contact, User, PortalInvitation, Feedback
    )
    about = Q(target_type=types[Contact], target_id=str(contact.pk))
    for model, ids in (
        (User, account_ids),
        (PortalInvitation, invitation_ids),
        (Feedback, feedback_ids),
    ):
        if ids:
            about |= Q(target_type=types[model], target_id__in=[str(pk) for pk in ids])
    if account_ids:
        about |= Q(actor__in=account_ids)
    if contact.email:
        about |= Q(username__iexact=contact.email)
    return (
        AuditEvent.objects.filter(about)
        .select_related("actor", "target_type")
        .order_by("at", "pk")
    )
