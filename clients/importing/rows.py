"""Helpers the importers share for matching rows to records and validating them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.roles import STAFF_ROLES

from .base import Problems

User = get_user_model()
BATCH_SIZE = 1_000


def staff_by_email() -> dict[str, object]:
    """Members of the legal service by lower-case email, leavers included."""
    staff = User.objects.filter(
        groups__name__in=[role.label for role in STAFF_ROLES]
    ).distinct()
    return {user.email.lower(): user for user in staff}


def changed(instance, original: dict, names) -> bool:
    return any(getattr(instance, name) != original[name] for name in names)


def snapshot(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def validate_instance(instance, problems: Problems, labels: dict, exclude) -> None:
    try:
        instance.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        problems.add_validation_error(error, labels)


def check_duplicate(seen: dict, key, row_number, problems, field_key, value):
    if key in seen:
        problems.add(field_key, f"This also appears on row {seen[key]}.", value)
    else:
        seen[key] = row_number
