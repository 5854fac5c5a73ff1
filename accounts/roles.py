"""The roles of Legal CRM, stored as Django groups.

The groups and their permissions are created by a data migration; this
module is the one place that names them.
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

