"""Models of the clients app, split by concept and re-exported here."""

from .imports import ImportIssue, ImportJob
from .key_accounts import ClientPlan, KeyAccount, PlanAction, PlanNeed, PlanObjective  # noqa: F401, E501
from .matters import (
    AT_RISK_WORKING_DAYS,
    MAX_ENTRY_MINUTES,
    ClientPromiseOverride,
    HourlyRate,
    Matter,
    MatterQuerySet,
    MatterType,
    ServicePromise,
    TimeEntry,
)
from .organisations import (
    Client,
    Contact,
    DigestDelivery,
    Interaction,
    InteractionQuerySet,
    Tag,
)
from .recharges import RechargeLine, RechargeStatement

__all__ = [
    "AT_RISK_WORKING_DAYS",
    "MAX_ENTRY_MINUTES",
    "Client",
    "ClientPromiseOverride",
    "Contact",
    "DigestDelivery",
    "HourlyRate",
    "ImportIssue",
    "ImportJob",
    "Interaction",
    "InteractionQuerySet",
    "Matter",
    "MatterQuerySet",
    "MatterType",
    "RechargeLine",
    "RechargeStatement",
    "ServicePromise",
    "Tag",
    "TimeEntry",
]
