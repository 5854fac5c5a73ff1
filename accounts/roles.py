"""The roles of Legal CRM, stored as Django groups.

A data migration creates the groups. After every ``migrate`` (and every
database flush in tests) ``sync_role_groups`` adds any permission a role
lacks, so permissions of models added later reach their roles too. It never
removes a permission that an administrator granted by hand.
"""

from django.db import models


class Role(models.TextChoices):
    LAWYER = "lawyer", "Lawyer"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    SENIOR_LEGAL_MANAGER = "senior_legal_manager", "Senior legal manager"
    ADMINISTRATOR = "administrator", "Administrator"
    CLIENT = "client", "Client (portal)"

    def group(self):
        from django.contrib.auth.models import Group

        return Group.objects.get_or_create(name=self.label)[0]


STAFF_ROLES = (
    Role.LAWYER,
    Role.PRACTICE_MANAGER,
    Role.SENIOR_LEGAL_MANAGER,
    Role.ADMINISTRATOR,
)


CONTACT_LOG_PERMISSIONS = [
    "clients.view_client",
    "clients.add_client",
    "clients.change_client",
    "clients.view_contact",
    "clients.add_contact",
    "clients.change_contact",
    "clients.view_interaction",
    "clients.add_interaction",
    "clients.change_interaction",
    "clients.view_tag",
    "clients.add_tag",
    "accounts.view_team",
]
MANAGER_PERMISSIONS = [
    *CONTACT_LOG_PERMISSIONS,
    "clients.delete_client",
    "clients.delete_contact",
    "clients.delete_interaction",
    "accounts.view_staffprofile",
    "accounts.view_user",
    "accounts.view_auditevent",
    "accounts.view_portalmembership",
]
# "app_label.codename" of each permission a role holds. The administrator
# role holds every permission and is not listed.
ROLE_PERMISSIONS = {
    Role.LAWYER: CONTACT_LOG_PERMISSIONS,
    Role.PRACTICE_MANAGER: MANAGER_PERMISSIONS,
    Role.SENIOR_LEGAL_MANAGER: MANAGER_PERMISSIONS,
    Role.CLIENT: [],
}


def sync_role_groups(sender=None, **kwargs):
    """Create missing role groups and add the permissions each role lacks.

    Connected to ``post_migrate``, which fires once per app with models. It
    acts after the last one, by which time every app's permissions exist.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    apps_with_models = [
        config for config in apps.get_app_configs() if config.models_module
    ]
    if sender is not None and sender is not apps_with_models[-1]:
        return

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        if role == Role.ADMINISTRATOR:
            wanted = Permission.objects.all()
        else:
            names = [name.split(".") for name in ROLE_PERMISSIONS[role]]
            matches = Q(pk__in=[])
            for app_label, codename in names:
                matches |= Q(content_type__app_label=app_label, codename=codename)
            wanted = Permission.objects.filter(matches)
        group.permissions.add(*wanted.exclude(group=group))
