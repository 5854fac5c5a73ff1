"""Key account health rules, with the default thresholds, at their boundaries."""

import datetime as dt
from dataclasses import replace

import pytest

from clients import health
from clients.health import HealthFacts

TODAY = dt.date(2026, 6, 15)

# Every rule green: contacted today, well rated, nothing open or overdue.
GREEN = HealthFacts(
    today=TODAY,
    contact_frequency_days=30,
    last_contact_on=TODAY,
    last_satisfaction=4.5,
    open_complaints=0,
    overdue_actions=0,
    missed_promises=0,
    next_review_on=TODAY + dt.timedelta(days=10),
)


def days_ago(days):
    return TODAY - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("rule", "changes", "expected"),
    [
        ("contact", {"last_contact_on": days_ago(30)}, "green"),
        ("contact", {"last_contact_on": days_ago(31)}, "amber"),
        ("contact", {"last_contact_on": days_ago(44)}, "amber"),
        ("contact", {"last_contact_on": days_ago(45)}, "red"),
        ("contact", {"last_contact_on": None}, "red"),
        ("satisfaction", {"last_satisfaction": None}, "green"),
        ("satisfaction", {"last_satisfaction": 4.0}, "green"),
        ("satisfaction", {"last_satisfaction": 3.99}, "amber"),
        ("satisfaction", {"last_satisfaction": 3.0}, "amber"),
        ("satisfaction", {"last_satisfaction": 2.99}, "red"),
        ("complaints", {"open_complaints": 0}, "green"),
        ("complaints", {"open_complaints": 1}, "amber"),
        ("complaints", {"open_complaints": 2}, "red"),
        ("overdue_actions", {"overdue_actions": 0}, "green"),
        ("overdue_actions", {"overdue_actions": 2}, "amber"),
        ("overdue_actions", {"overdue_actions": 3}, "red"),
        ("missed_promises", {"missed_promises": 0}, "green"),
        ("missed_promises", {"missed_promises": 1}, "amber"),
        ("missed_promises", {"missed_promises": 2}, "red"),
        ("review", {"next_review_on": TODAY}, "green"),
        ("review", {"next_review_on": days_ago(1)}, "amber"),
        ("review", {"next_review_on": days_ago(30)}, "amber"),
        ("review", {"next_review_on": days_ago(31)}, "red"),
    ],
)
def test_rule_rating_at_boundary(rule, changes, expected):
    rating = health.rate(replace(GREEN, **changes))
    results = {result.rule: result for result in rating.results}

    assert results[rule].rating == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"last_contact_on": days_ago(40)},
            "Last contact 40 days ago; the agreed frequency is 30 days.",
        ),
        ({"last_contact_on": None}, "No contact has been logged yet."),
        ({"last_satisfaction": 3.25}, "Last satisfaction score 3.2 out of 5."),
        ({"open_complaints": 1}, "1 open complaints."),
        ({"overdue_actions": 3}, "3 overdue plan actions."),
        (
            {"missed_promises": 2},
            "2 service promises missed in the last 90 days.",
        ),
        ({"next_review_on": days_ago(5)}, "Review overdue by 5 days."),
    ],
)
def test_rule_states_its_reason(changes, reason):
    rating = health.rate(replace(GREEN, **changes))

    assert reason in [result.reason for result in rating.results]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "green"),
        ({"open_complaints": 1}, "amber"),
        ({"open_complaints": 1, "missed_promises": 2}, "red"),
        ({"last_contact_on": None, "overdue_actions": 1}, "red"),
    ],
)
def test_account_rating_is_worst_rule(changes, expected):
    assert health.rate(replace(GREEN, **changes)).rating == expected


def test_thresholds_come_from_settings(settings):
    settings.KEY_ACCOUNT_HEALTH = {"complaints_red_min": 1}

    rating = health.rate(replace(GREEN, open_complaints=1))

    assert rating.rating == "red"


def test_unset_threshold_takes_default(settings):
    settings.KEY_ACCOUNT_HEALTH = {}

    assert health.thresholds()["review_red_after_days"] == 30
