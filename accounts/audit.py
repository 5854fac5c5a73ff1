"""Writing to the audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.forms.models import model_to_dict

from .models import AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(*, action, actor=None, target=None, changes=None, request=None, username=""):
    """Add one entry to the audit trail and return it."""
    event = AuditEvent(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes=changes or {},
        ip_address=client_ip(request),
        username=username[:254],
    )
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:200]
    event.save()
    return event


def snapshot(instance, fields=None):
    """Return a model instance's field values as JSON-ready strings."""
    values = model_to_dict(instance, fields=fields)
    return {name: _as_text(value) for name, value in values.items()}


def changed_fields(before, after):
    """Return ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def _as_text(value):
    if isinstance(value, list | tuple | set):
        return sorted(str(getattr(item, "pk", item)) for item in value)
    if value is None:
        return None
    return str(value)
