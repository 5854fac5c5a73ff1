"""Writes to accounts that touch several models."""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import Client

from . import audit
from .models import AuditEvent, PortalMembership, User
from .roles import Role


@transaction.atomic
def create_portal_user(
    *,
    email: str,
    full_name: str,
    clients: Iterable[Client],
    created_by: User | None = None,
    password: str | None = None,
) -> User:
    """Create a client (portal) user who may see ``clients``, and audit it.

    Raises ``ValidationError`` naming the field at fault: ``email`` when the
    address is invalid or taken in any letter case, ``password`` when it fails
    the password validators, ``clients`` when none is given.

    NOTE: without ``password`` the account gets an unusable password, and
    Django's password reset form sends nothing to such accounts. An
    administrator must then set a password in the admin.
    """
    clients = list({client.pk: client for client in clients}.values())
    if not clients:
        raise ValidationError(
            {"clients": "Choose at least one client organisation for the user."}
        )

    user = User(email=email, full_name=full_name)
    _set_password(user, password)
    user.full_clean()
    user.save()
    user.groups.add(Role.CLIENT.group())

    for client in clients:
        membership = PortalMembership(user=user, client=client, created_by=created_by)
        membership.full_clean()
        membership.save()

    audit.record(
        action=AuditEvent.Action.CREATE,
        actor=created_by,
        target=user,
        changes={"portal_clients": sorted(str(client.pk) for client in clients)},
    )
    return user


def _set_password(user: User, password: str | None) -> None:
    if password is None:
        user.set_unusable_password()
        return

    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
