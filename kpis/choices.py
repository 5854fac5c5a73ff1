"""Choices shared by the KPI models and calculators."""

from django.db import models


class Unit(models.TextChoices):
    PERCENT = "percent", "Percentage (0 to 100)"
    COUNT = "count", "Count"
    HOURS = "hours", "Hours"
    MONEY = "money", "Pounds and pence"
    SCORE = "score", "Score (-100 to 100)"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class ScopeKind(models.TextChoices):
    SERVICE = "service", "Whole service"
    TEAM = "team", "Team"
    CLIENT = "client", "Client"
    KEY_ACCOUNT = "key_account", "Key account"


class Status(models.TextChoices):
    GREEN = "green", "On target"
    AMBER = "amber", "Near target"
    RED = "red", "Off target"
    NONE = "none", "No status"


# The scope id of a whole-service record, which has no team, client or account.
SERVICE_SCOPE_ID = 0
# The source of a definition whose values staff enter by hand.
MANUAL_SOURCE = "manual"
