"""Create the role groups and give each its permissions.

Permissions are created by a post-migrate signal, which has not run yet on a
new database, so this migration creates them first. Administrators get every
permission that exists at this point; later migrations add their own.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LAWYER = "Lawyer"
PRACTICE_MANAGER = "Practice manager"
SENIOR_LEGAL_MANAGER = "Senior legal manager"
ADMINISTRATOR = "Administrator"
CLIENT = "Client (portal)"

CONTACT_LOG = [
    "view_client",
    "add_client",
    "change_client",
    "view_contact",
    "add_contact",
    "change_contact",
    "view_interaction",
    "add_interaction",
    "change_interaction",
    "view_tag",
    "add_tag",
]
MANAGER_EXTRA = [
    "delete_client",
    "delete_contact",
    "delete_interaction",
    "view_team",
    "view_staffprofile",
    "view_user",
    "view_auditevent",
    "view_portalmembership",
]
ROLE_PERMISSIONS = {
    LAWYER: CONTACT_LOG + ["view_team"],
    PRACTICE_MANAGER: CONTACT_LOG + MANAGER_EXTRA,
    SENIOR_LEGAL_MANAGER: CONTACT_LOG + MANAGER_EXTRA,
    CLIENT: [],
}
APPS_WITH_PERMISSIONS = ("accounts", "clients")


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=APPS_WITH_PERMISSIONS,
                codename__in=codenames,
            )
        )
    administrators, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    administrators.permissions.set(Permission.objects.all())


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[*ROLE_PERMISSIONS, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("clients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
