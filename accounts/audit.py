"""Writing to the audit trail."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict

from .models import AuditEvent


def client_ip(request):
    """Return the address of the client that sent ``request``, or ``None``.

    Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address. When it is
    one of ``settings.TRUSTED_PROXIES``, the client is the right-most address
    in X-Forwarded-For that is not a trusted proxy. Each proxy appends the
    address the request came from, so entries further left may be forged by
    the client. django-axes uses this function too.
    """
    meta = getattr(request, "META", None) or {}
    remote = _parse_address(meta.get("REMOTE_ADDR", ""))
    if remote is None or not _is_trusted_proxy(remote):
        return str(remote) if remote else None

    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    closest = remote
    for hop in reversed(hops):
        address = _parse_address(hop)
        if address is None:
            # Trusted proxies append only valid addresses, so this text came
            # from the client. The last trusted hop is the best address known.
            break
        closest = address
        if not _is_trusted_proxy(address):
            break
    return str(closest)


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


def record_view(request, target):
    """Record that the signed-in user opened the page of ``target``.

    One INSERT: the content type comes from Django's per-process cache, and
    ``str(target)`` must only use what the page has already loaded.
    """
    return record(
        action=AuditEvent.Action.VIEW,
        actor=request.user,
        target=target,
        request=request,
    )


class AuditedAdminMixin:
    """Record what the Django admin adds, changes and deletes, inlines included.

    Put it first among a ``ModelAdmin``'s bases, so that it records after the
    admin's own ``save_model`` has filled in the record.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _record_form(request, obj, form, creating=not change)

    def save_formset(self, request, form, formset, change):
        # Deletions are recorded first, because a deleted record has no key.
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                _record_deletion(request, inline_form.instance)
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            creating = inline_form not in formset.initial_forms
            _record_form(request, inline_form.instance, inline_form, creating=creating)

    def delete_model(self, request, obj):
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _record_deletion(request, obj)
        super().delete_queryset(request, queryset)


def _record_form(request, obj, form, *, creating):
    if creating:
        changes = snapshot(obj)
    else:
        changes = {
            name: [
                _as_text(_plain(form.initial.get(name))),
                _as_text(_plain(form.cleaned_data.get(name))),
            ]
            for name in form.changed_data
        }
        if not changes:
            return
    record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=request.user,
        target=obj,
        changes=changes,
        request=request,
    )


def _record_deletion(request, obj):
    record(
        action=AuditEvent.Action.DELETE,
        actor=request.user,
        target=obj,
        changes=snapshot(obj),
        request=request,
    )


def _plain(value):
    """Return a form value as ``snapshot`` stores it: records as primary keys."""
    if isinstance(value, QuerySet):
        return list(value)
    if isinstance(value, Model):
        return value.pk
    return value


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


def _parse_address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted_proxy(address):
    return any(address in network for network in _trusted_networks())


def _trusted_networks():
    return _parse_networks(tuple(settings.TRUSTED_PROXIES))


@lru_cache(maxsize=4)
def _parse_networks(entries):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES contains {entry!r}, which is not a valid IP "
                "address or network. Set it to addresses or networks separated "
                "by commas, such as 127.0.0.1,10.0.0.0/24."
            ) from error
    return tuple(networks)
