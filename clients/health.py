"""Health rules of a key account: red, amber or green, each with its reason.

The account's rating is the worst rating of its rules. The thresholds come
from the ``KEY_ACCOUNT_HEALTH`` setting, and any threshold it leaves out
takes its value from ``DEFAULT_THRESHOLDS``.

- last contact: green within the agreed frequency, amber up to the grace
  days later, red later still or when no contact is logged.
- satisfaction: green at or above the green score or with no score yet,
  amber at or above the amber score, red below it.
- open complaints, overdue plan actions, and service promises missed in the
  window: green at none, amber below the red count, red at or above it.
- review: green until the next review date, amber when overdue by up to the
  red days, red when overdue by more.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from .models.key_accounts import HEALTH_SEVERITY, Health

DEFAULT_THRESHOLDS = {
    "contact_amber_grace_days": 14,
    "satisfaction_green_min": 4.0,
    "satisfaction_amber_min": 3.0,
    "complaints_red_min": 2,
    "overdue_actions_red_min": 3,
    "missed_promises_window_days": 90,
    "missed_promises_red_min": 2,
    "review_red_after_days": 30,
}


@dataclass(frozen=True)
class HealthFacts:
    """The inputs of the rules for one key account on one day."""

    today: date
    contact_frequency_days: int
    last_contact_on: date | None
    last_satisfaction: Decimal | float | None
    open_complaints: int
    overdue_actions: int
    missed_promises: int
    next_review_on: date


@dataclass(frozen=True)
class RuleResult:
    rule: str
    rating: str
    reason: str


@dataclass(frozen=True)
class HealthRating:
    rating: str
    results: list[RuleResult]

    @property
    def reasons(self) -> list[dict]:
        """The results as JSON-ready dicts, the form a key account stores."""
        return [
            {"rule": r.rule, "rating": r.rating, "reason": r.reason}
            for r in self.results
        ]


def thresholds() -> dict:
    return {**DEFAULT_THRESHOLDS, **getattr(settings, "KEY_ACCOUNT_HEALTH", {})}


def rate(facts: HealthFacts, limits: dict | None = None) -> HealthRating:
    """Apply every rule to ``facts`` and return the worst rating with all results."""
    limits = limits or thresholds()
    results = [rule(facts, limits) for rule in RULES]
    worst = max(results, key=lambda result: HEALTH_SEVERITY[result.rating])
    return HealthRating(rating=worst.rating, results=results)


def contact_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    frequency = facts.contact_frequency_days
    if facts.last_contact_on is None:
        return RuleResult("contact", Health.RED, "No contact has been logged yet.")

    days = (facts.today - facts.last_contact_on).days
    reason = f"Last contact {days} days ago; the agreed frequency is {frequency} days."
    if days <= frequency:
        return RuleResult("contact", Health.GREEN, reason)
    if days <= frequency + limits["contact_amber_grace_days"]:
        return RuleResult("contact", Health.AMBER, reason)
    return RuleResult("contact", Health.RED, reason)


def satisfaction_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    score = facts.last_satisfaction
    if score is None:
        return RuleResult("satisfaction", Health.GREEN, "No satisfaction score yet.")

    score = float(score)
    reason = f"Last satisfaction score {score:.1f} out of 5."
    if score >= limits["satisfaction_green_min"]:
        return RuleResult("satisfaction", Health.GREEN, reason)
    if score >= limits["satisfaction_amber_min"]:
        return RuleResult("satisfaction", Health.AMBER, reason)
    return RuleResult("satisfaction", Health.RED, reason)


def _count_rule(rule: str, count: int, red_min: int, noun: str) -> RuleResult:
    reason = f"{count} {noun}."
    if count == 0:
        return RuleResult(rule, Health.GREEN, reason)
    if count < red_min:
        return RuleResult(rule, Health.AMBER, reason)
    return RuleResult(rule, Health.RED, reason)


def complaints_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    return _count_rule(
        "complaints",
        facts.open_complaints,
        limits["complaints_red_min"],
        "open complaints",
    )


def overdue_actions_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    return _count_rule(
        "overdue_actions",
        facts.overdue_actions,
        limits["overdue_actions_red_min"],
        "overdue plan actions",
    )


def missed_promises_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    window = limits["missed_promises_window_days"]
    return _count_rule(
        "missed_promises",
        facts.missed_promises,
        limits["missed_promises_red_min"],
        f"service promises missed in the last {window} days",
    )


def review_rule(facts: HealthFacts, limits: dict) -> RuleResult:
    days_overdue = (facts.today - facts.next_review_on).days
    if days_overdue <= 0:
        review_on = facts.next_review_on
        reason = f"Next review due {review_on.day} {review_on:%b %Y}."
        return RuleResult("review", Health.GREEN, reason)

    reason = f"Review overdue by {days_overdue} days."
    if days_overdue <= limits["review_red_after_days"]:
        return RuleResult("review", Health.AMBER, reason)
    return RuleResult("review", Health.RED, reason)


RULES = [
    contact_rule,
    satisfaction_rule,
    complaints_rule,
    overdue_actions_rule,
    missed_promises_rule,
    review_rule,
]
