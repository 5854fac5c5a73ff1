"""Portal invitations: staff invite a client contact, who sets a password.

The emailed link carries a random token. Only its SHA-256 hash is stored, and
the link works once, until ``PORTAL_INVITATION_DAYS`` have passed or a newer
invitation to the same contact replaces it. Accepting creates the portal
account with a password that passes ``AUTH_PASSWORD_VALIDATORS``, or adds the
organisation to the contact's existing portal account. Either way the
contact then signs in through the normal sign-in form, so django-axes'
lockout applies to them as it does to staff.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact

from . import audit
from .models import AuditEvent, PortalInvitation, PortalMembership, User
from .roles import Role
from .services import create_portal_user

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32


class InvitationNotSent(Exception):
    """The invitation email could not be sent, so the invitation was revoked."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_for_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def check_can_invite(contact: Contact) -> None:
    """Raise ``ValidationError`` saying why ``contact`` cannot be invited."""
    if not contact.is_active:
        raise ValidationError(
            "This contact is marked inactive. Mark them active before inviting them."
        )
    if not contact.email:
        raise ValidationError(
            "This contact has no email address. Add one before inviting them."
        )

    account = account_for_email(contact.email)
    if account is None:
        return
    if account.is_legal_staff:
        raise ValidationError(
            "This email address belongs to a staff account, which cannot also "
            "use the portal. Ask the contact for a different address."
        )
    if not account.is_active:
        raise ValidationError(
            "This email address belongs to a deactivated account. Ask an "
            "administrator to reactivate it in the admin first."
        )
    if PortalMembership.objects.filter(user=account, client=contact.client).exists():
        raise ValidationError(
            f"{contact.full_name} can already use the portal for {contact.client}."
        )


def invite_contact(*, contact: Contact, invited_by: User, request=None) -> None:
    """Invite ``contact`` to the portal for their organisation and email the link.

    Raises ``ValidationError`` when the contact cannot be invited, and
    ``InvitationNotSent`` when the email failed, in which case the new
    invitation is revoked and any earlier one stays as it was.
    """
    check_can_invite(contact)
    with transaction.atomic():
        invitation, token = _create_invitation(contact, invited_by, request)

    try:
        _invitation_email(invitation, token).send()
    except Exception as error:
        PortalInvitation.objects.filter(pk=invitation.pk).update(
            revoked_at=timezone.now()
        )
        logger.exception("Portal invitation %s could not be sent", invitation.pk)
        raise InvitationNotSent(str(invitation.pk)) from error

    _revoke_earlier_invitations(invitation)


def _create_invitation(contact, invited_by, request):
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    invitation = PortalInvitation.objects.create(
        contact=contact,
        client=contact.client,
        email=contact.email.lower(),
        token_hash=hash_token(token),
        created_at=now,
        created_by=invited_by,
        expires_at=now + timedelta(days=settings.PORTAL_INVITATION_DAYS),
    )
    audit.record(
        action=AuditEvent.Action.CREATE,
        actor=invited_by,
        target=invitation,
        changes={
            "email": invitation.email,
            "client": str(contact.client_id),
            "expires_at": invitation.expires_at.isoformat(),
        },
        request=request,
    )
    return invitation, token


def _revoke_earlier_invitations(invitation: PortalInvitation) -> None:
    PortalInvitation.objects.filter(
        contact=invitation.contact_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).exclude(pk=invitation.pk).update(revoked_at=timezone.now())


def _invitation_email(invitation: PortalInvitation, token: str) -> EmailMessage:
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("portal:invitation", args=[token]),
        "days": settings.PORTAL_INVITATION_DAYS,
    }
    return EmailMessage(
        subject=f"Your invitation to the {invitation.client} client portal",
        body=render_to_string("portal/email/invitation.txt", context),
        to=[invitation.email],
    )


def find_invitation(token: str) -> PortalInvitation | None:
    """Return the invitation whose link carries ``token``, open or not."""
    return (
        PortalInvitation.objects.select_related("client", "contact")
        .filter(token_hash=hash_token(token))
        .first()
    )


def needs_password(invitation: PortalInvitation) -> bool:
    """Return True when accepting must set a password: no account, or none usable."""
    account = account_for_email(invitation.email)
    return account is None or not account.has_usable_password()


@transaction.atomic
def accept_invitation(
    *, invitation: PortalInvitation, password: str | None = None, request=None
) -> User:
    """Use the invitation once: create or extend the portal account.

    Raises ``ValidationError`` when the invitation is no longer open (another
    request may have used it a moment ago), when the email now belongs to a
    staff account, or when a password is needed and fails the validators.
    """
    invitation = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open():
        raise ValidationError("This invitation link has already been used or expired.")

    account = account_for_email(invitation.email)
    if account is None:
        account = create_portal_user(
            email=invitation.email,
            full_name=invitation.contact.full_name,
            clients=[invitation.client],
            created_by=invitation.created_by,
            password=password,
        )
    else:
        _extend_account(account, invitation, password)

    invitation.accepted_at = timezone.now()
    invitation.accepted_by = account
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        action=AuditEvent.Action.UPDATE,
        actor=account,
        target=invitation,
        changes={"accepted_at": invitation.accepted_at.isoformat()},
        request=request,
    )
    return account


def _extend_account(account: User, invitation: PortalInvitation, password) -> None:
    if account.is_legal_staff or not account.is_active:
        raise ValidationError(
            "This email address belongs to an account that cannot use the "
            "portal. Contact the legal service."
        )
    if not account.has_usable_password():
        if password is None:
            raise ValidationError({"password": "Choose a password."})
        _set_checked_password(account, password)
    account.groups.add(Role.CLIENT.group())
    PortalMembership.objects.get_or_create(
        user=account,
        client=invitation.client,
        defaults={"created_by": invitation.created_by},
    )


def _set_checked_password(account: User, password: str) -> None:
    try:
        password_validation.validate_password(password, account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    account.set_password(password)
    account.save(update_fields=["password"])
