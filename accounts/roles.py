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
    # Matters and time: lawyers open matters and record their own time.
    "clients.view_matter",
    "clients.add_matter",
    "clients.change_matter",
    "clients.view_timeentry",
    "clients.add_timeentry",
    "clients.change_timeentry",
    "clients.delete_timeentry",
    "clients.view_servicepromise",
    "clients.view_mattertype",
    "accounts.add_portalinvitation",
    "feedback.view_feedback",
    "feedback.add_feedback",
    "feedback.view_article",
    "feedback.view_articlecategory",
    # Surveys: lawyers read the results, and do not build or launch rounds.
    "feedback.view_survey",
    "feedback.view_surveyround",
    "feedback.view_response",
    "feedback.view_yousaidwedid",
    # Key accounts: lawyers read accounts and plans, add needs to draft plans
    # and update the plan actions they own.
    "clients.view_keyaccount",
    "clients.view_clientplan",
    "clients.view_planobjective",
    "clients.view_planneed",
    "clients.add_planneed",
    "clients.view_planaction",
    "clients.change_planaction",
    "kpis.view_authorityaim",
    # KPIs: lawyers see the scorecard of their own team.
    "kpis.view_kpirecord",
]
MANAGER_PERMISSIONS = [
    *CONTACT_LOG_PERMISSIONS,
    "clients.delete_client",
    "clients.delete_contact",
    "clients.delete_interaction",
    # Matters, recharges and imports of the whole service.
    "clients.delete_matter",
    "clients.view_hourlyrate",
    "clients.view_clientpromiseoverride",
    "clients.view_rechargestatement",
    "clients.add_rechargestatement",
    "clients.delete_rechargestatement",
    "clients.issue_rechargestatement",
    "clients.view_importjob",
    "clients.add_importjob",
    # Data protection: legal holds, subject access exports and erasure.
    "clients.manage_legal_hold",
    "clients.export_contact_data",
    "clients.erase_contact",
    "accounts.view_staffprofile",
    "accounts.view_user",
    "accounts.view_auditevent",
    "accounts.view_portalmembership",
    "feedback.change_feedback",
    "feedback.view_portal_as_client",
    "feedback.add_article",
    "feedback.change_article",
    "feedback.delete_article",
    "feedback.add_articlecategory",
    "feedback.change_articlecategory",
    "feedback.add_survey",
    "feedback.change_survey",
    "feedback.delete_survey",
    "feedback.add_surveyround",
    "feedback.change_surveyround",
    "feedback.delete_surveyround",
    "feedback.view_invitation",
    "feedback.view_surveyoptout",
    "feedback.add_yousaidwedid",
    "feedback.change_yousaidwedid",
    "feedback.delete_yousaidwedid",
    # Key accounts: designate accounts, write and agree plans, hand over.
    "clients.add_keyaccount",
    "clients.change_keyaccount",
    "clients.delete_keyaccount",
    "clients.add_clientplan",
    "clients.change_clientplan",
    "clients.agree_clientplan",
    "clients.add_planobjective",
    "clients.delete_planobjective",
    "clients.delete_planneed",
    "clients.add_planaction",
    "clients.delete_planaction",
    # KPIs: dashboards of the whole service, recomputing periods, hand-entered
    # values, benchmarks and costs.
    "kpis.view_kpi_dashboard",
    "kpis.view_kpidefinition",
    "kpis.recompute_kpirecord",
    "kpis.add_kpirecord",
    "kpis.change_kpirecord",
    "kpis.view_benchmark",
    "kpis.add_benchmark",
    "kpis.view_servicecost",
    "kpis.add_servicecost",
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
