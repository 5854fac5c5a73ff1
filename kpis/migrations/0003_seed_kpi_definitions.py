"""Seed a definition for each shipped calculator, with a starting target.

Targets and amber thresholds are starting points for the practice manager to
change. Aims are left empty, because each council names its own.
"""

from decimal import Decimal

from django.db import migrations

# code, name, unit, direction, target, amber threshold, frequency
DEFINITIONS = [
    ("csat", "Client satisfaction (CSAT)", "percent", "higher", "85", "75", "month"),
    ("nps", "Net Promoter Score (NPS)", "score", "higher", "30", "10", "quarter"),
    (
        "survey_response_rate",
        "Survey response rate",
        "percent",
        "higher",
        "40",
        "25",
        "month",
    ),
    ("compliments", "Compliments received", "count", "higher", None, None, "month"),
    ("complaints", "Complaints received", "count", "lower", None, None, "month"),
    (
        "complaints_resolved_on_time",
        "Complaints resolved on time",
        "percent",
        "higher",
        "90",
        "75",
        "month",
    ),
    (
        "service_promises_met",
        "Service promises met",
        "percent",
        "higher",
        "90",
        "80",
        "month",
    ),
    (
        "client_retention",
        "Client retention",
        "percent",
        "higher",
        "85",
        "70",
        "quarter",
    ),
    ("new_clients", "New clients", "count", "higher", None, None, "quarter"),
    (
        "key_accounts_agreed_plan",
        "Key accounts with an agreed, in-date plan",
        "percent",
        "higher",
        "100",
        "80",
        "quarter",
    ),
    (
        "key_accounts_needs_assessed",
        "Key accounts with a needs assessment in the last 12 months",
        "percent",
        "higher",
        "100",
        "75",
        "quarter",
    ),
    (
        "shared_actions_completed",
        "Shared plan actions completed",
        "percent",
        "higher",
        "90",
        "75",
        "quarter",
    ),
    ("chargeable_hours", "Chargeable hours", "hours", "higher", None, None, "month"),
    (
        "utilisation",
        "Utilisation against target",
        "percent",
        "higher",
        "85",
        "70",
        "month",
    ),
    ("recharge_value", "Recharge value", "money", "higher", None, None, "month"),
    (
        "cost_per_chargeable_hour",
        "Cost per chargeable hour",
        "money",
        "lower",
        None,
        None,
        "quarter",
    ),
    ("staff_turnover", "Staff turnover", "percent", "lower", "3", "5", "quarter"),
    ("staff_retention", "Staff retention", "percent", "higher", "97", "95", "quarter"),
    (
        "successful_outcomes",
        "Matter outcomes marked successful",
        "percent",
        "higher",
        "80",
        "70",
        "quarter",
    ),
    (
        "guidance_helpful",
        "Guidance marked helpful",
        "percent",
        "higher",
        "80",
        "65",
        "quarter",
    ),
]


def _decimal(text):
    return None if text is None else Decimal(text)


def seed(apps, schema_editor):
    KpiDefinition = apps.get_model("kpis", "KpiDefinition")
    for position, row in enumerate(DEFINITIONS):
        code, name, unit, direction, target, amber, frequency = row
        KpiDefinition.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "target": _decimal(target),
                "amber_threshold": _decimal(amber),
                "frequency": frequency,
                "source": code,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    KpiDefinition = apps.get_model("kpis", "KpiDefinition")
    codes = [row[0] for row in DEFINITIONS]
    KpiDefinition.objects.filter(code__in=codes, source__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_kpi_definitions_records_benchmarks")]

    operations = [migrations.RunPython(seed, unseed)]
