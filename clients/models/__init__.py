"""Models of the clients app, split by concept and re-exported here."""

from .imports import ImportIssue, ImportJob
from .key_accounts import (
    ClientPlan,
    KeyAccount,
    PlanAction,
    PlanNeed,
    PlanObjective,
    RankingFigures,
)
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
    "ClientPlan",
    "ClientPromiseOverride",
    "Contact",
    "DigestDelivery",
    "HourlyRate",
    "ImportIssue",
    "ImportJob",
    "Interaction",
    "InteractionQuerySet",
    "KeyAccount",
    "Matter",
    "MatterQuerySet",
    "MatterType",
    "PlanAction",
    "PlanNeed",
    "PlanObjective",
    "RankingFigures",
    "RechargeLine",
    "RechargeStatement",
    "ServicePromise",
    "Tag",
    "TimeEntry",
]
