"""Add the standard service promises and the matter types that use them.

Administrators can rename or replace them in the Django admin. The reverse
step deletes only the rows that nothing refers to yet.
"""

from django.db import migrations

PROMISES = [
    (
        "Acknowledge a new instruction within 2 working days",
        2,
        "Confirm receipt and name the lawyer responsible.",
    ),
    ("Advice within 10 working days", 10, "Written advice on a new question."),
    ("First draft within 15 working days", 15, "A first draft of a document."),
    ("Complete within 40 working days", 40, "Complete a transaction or case."),
]

# Matter type and the promise that applies to it by default.
MATTER_TYPES = [
    ("Advice", "Advice within 10 working days"),
    ("Contract or procurement", "First draft within 15 working days"),
    ("Property", "First draft within 15 working days"),
    ("Employment", "Advice within 10 working days"),
    ("Litigation", "Acknowledge a new instruction within 2 working days"),
    ("Governance", "Advice within 10 working days"),
]


def add_standard_promises(apps, schema_editor):
    ServicePromise = apps.get_model("clients", "ServicePromise")
    MatterType = apps.get_model("clients", "MatterType")
    promises = {}
    for name, days, description in PROMISES:
        promises[name], _ = ServicePromise.objects.get_or_create(
            name=name, defaults={"working_days": days, "description": description}
        )
    for name, promise_name in MATTER_TYPES:
        MatterType.objects.get_or_create(
            name=name, defaults={"default_promise": promises[promise_name]}
        )


def remove_unused_standard_promises(apps, schema_editor):
    ServicePromise = apps.get_model("clients", "ServicePromise")
    MatterType = apps.get_model("clients", "MatterType")
    database = schema_editor.connection.alias
    # A raw delete of the unreferenced rows only, because the historical
    # models cannot run Django's deletion collector across the related models.
    MatterType.objects.filter(
        name__in=[name for name, _promise in MATTER_TYPES],
        matters__isnull=True,
        client_overrides__isnull=True,
    )._raw_delete(database)
    ServicePromise.objects.filter(
        name__in=[name for name, _days, _description in PROMISES],
        matters__isnull=True,
        matter_types__isnull=True,
        client_overrides__isnull=True,
    )._raw_delete(database)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_matters_time_recharges_imports"),
    ]

    operations = [
        migrations.RunPython(add_standard_promises, remove_unused_standard_promises),
    ]
