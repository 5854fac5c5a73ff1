"""Key accounts, their client plans and relationship strength.

A client plan covers one UK financial year (1 April to 31 March). Once
agreed it is locked: revising it copies it into a new draft version, and
agreeing that version archives the one before.
"""

import math
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .organisations import Client, Contact, Interaction


def financial_year_start(day: date) -> date:
    """Return 1 April of the UK financial year that contains ``day``."""
    year = day.year if day.month >= 4 else day.year - 1
    return date(year, 4, 1)


def financial_year_label(start: date) -> str:
    """Return a period label such as ``2026/27`` for the year from ``start``."""
    return f"{start.year}/{(start.year + 1) % 100:02d}"


class Health(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


# Higher is worse, so that the worst of several ratings is their maximum.
HEALTH_SEVERITY = {Health.GREEN: 0, Health.AMBER: 1, Health.RED: 2}


class KeyAccount(models.Model):
    """A client chosen for key account management."""

    class Tier(models.TextChoices):
        STRATEGIC = "strategic", "Tier 1: strategic"
        MAJOR = "major", "Tier 2: major"
        DEVELOPING = "developing", "Tier 3: developing"

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="key_account"
    )
    tier = models.CharField(max_length=20, choices=Tier.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_key_accounts",
        verbose_name="account owner",
        help_text="The lawyer who manages the account.",
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sponsored_key_accounts",
        verbose_name="senior sponsor",
        help_text="The senior legal manager who sponsors the account.",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="key_account_teams",
        verbose_name="account team",
    )
    contact_frequency_days = models.PositiveSmallIntegerField(
        "agreed contact frequency",
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Most days between two contacts with the client.",
    )
    review_frequency_months = models.PositiveSmallIntegerField(
        "review frequency",
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Months between two account reviews.",
    )
    next_review_on = models.DateField("next review date")
    reason = models.TextField(
        "reason chosen", help_text="Why this client is a key account."
    )
    health = models.CharField(
        max_length=10, choices=Health.choices, blank=True, editable=False
    )
    health_reasons = models.JSONField(default=list, blank=True, editable=False)
    previous_health = models.CharField(
        max_length=10, choices=Health.choices, blank=True, editable=False
    )
    health_changed_on = models.DateField(null=True, blank=True, editable=False)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client__name"]
        indexes = [models.Index(fields=["next_review_on"])]

    def __str__(self):
        return f"Key account {self.client}"

    def get_absolute_url(self):
        return reverse("clients:key_account_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.owner_id and self.sponsor_id and self.owner_id == self.sponsor_id:
            raise ValidationError(
                {"sponsor": "Choose a sponsor other than the account owner."}
            )

    @property
    def health_fell(self):
        return bool(self.previous_health) and (
            HEALTH_SEVERITY[self.health] > HEALTH_SEVERITY[self.previous_health]
        )


class RankingFigures(models.Model):
    """One client's figures on the client ranking, as last worked out.

    A directorate's figures include those of its services. Every row is
    rewritten together, each night and on a manager's request, so all rows
    of one run share ``computed_at`` and the window of days they cover.
    """

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="ranking_figures"
    )
    chargeable_minutes = models.PositiveIntegerField(default=0)
    recharge_value = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0")
    )
    open_matters = models.PositiveIntegerField(default=0)
    interaction_count = models.PositiveIntegerField(
        default=0, help_text="Interactions logged in the window."
    )
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_satisfaction = models.FloatField(
        null=True,
        blank=True,
        help_text="The average 1 to 5 rating of the latest rated survey response.",
    )
    service_count = models.PositiveIntegerField(default=0)
    window_start = models.DateField(help_text="The first day the figures cover.")
    window_end = models.DateField(help_text="The last day the figures cover.")
    computed_at = models.DateTimeField("worked out at")

    # No index on the figures, because the page sorts one narrow row per
    # client in memory: 5 to 7 ms for the whole page query at 2,000 clients
    # on PostgreSQL. An index for each of the seven sort keys, with the name to
    # break ties, would cost each nightly rewrite more than it saves.
    class Meta:
        verbose_name_plural = "ranking figures"

    def __str__(self):
        return f"Ranking figures of {self.client}"


class ClientPlanQuerySet(models.QuerySet):
    def current(self):
        """Plans that are not archived: each period's draft and agreed version."""
        return self.exclude(status=ClientPlan.Status.ARCHIVED)


class ClientPlan(models.Model):
    """One version of a key account's plan for one financial year."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        ARCHIVED = "archived", "Archived"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        AS_NEEDED = "as_needed", "As needed"

    class Format(models.TextChoices):
        BRIEF = "brief", "Brief summary"
        DETAILED = "detailed", "Detailed written advice"
        MEETING = "meeting", "Discussion in a meeting"

    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.CASCADE, related_name="plans"
    )
    period_start = models.DateField(
        help_text="1 April of the financial year the plan covers."
    )
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    vision = models.TextField("long-term vision", blank=True)
    preferred_channel = models.CharField(
        max_length=20, choices=Contact.Channel.choices, blank=True
    )
    contact_frequency = models.CharField(
        "preferred frequency", max_length=20, choices=Frequency.choices, blank=True
    )
    advice_format = models.CharField(
        "preferred format", max_length=20, choices=Format.choices, blank=True
    )
    reporting = models.TextField(
        "reporting preferences",
        blank=True,
        help_text="What the client wants reported, how and when.",
    )
    problems_and_risks = models.TextField("known problems and risks", blank=True)
    service_promises = models.TextField("agreed service promises", blank=True)
    review_on = models.DateField("plan review date", null=True, blank=True)
    previous_version = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_version",
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agreed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientPlanQuerySet.as_manager()

    class Meta:
        ordering = ["key_account", "-period_start", "-version"]
        permissions = [("agree_clientplan", "Can agree client plans")]
        constraints = [
            models.UniqueConstraint(
                fields=["key_account", "period_start", "version"],
                name="client_plan_version_unique",
            ),
            models.UniqueConstraint(
                fields=["key_account", "period_start"],
                condition=models.Q(status="draft"),
                name="client_plan_one_draft_per_period",
                violation_error_message="This account already has a draft plan "
                "for this year.",
            ),
            models.UniqueConstraint(
                fields=["key_account", "period_start"],
                condition=models.Q(status="agreed"),
                name="client_plan_one_agreed_per_period",
            ),
        ]

    def __str__(self):
        return (
            f"Client plan {financial_year_label(self.period_start)} "
            f"v{self.version} for {self.key_account.client}"
        )

    def get_absolute_url(self):
        return reverse("clients:plan_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.period_start and (self.period_start.month, self.period_start.day) != (
            4,
            1,
        ):
            raise ValidationError(
                {"period_start": "A plan period starts on 1 April. Choose a year."}
            )

    @property
    def period_label(self):
        return financial_year_label(self.period_start)

    @property
    def period_end(self):
        return date(self.period_start.year + 1, 3, 31)

    @property
    def is_locked(self):
        """Whether the plan's content is frozen: agreed or archived plans."""
        return self.status != self.Status.DRAFT


class PlanObjective(models.Model):
    """One of the client's objectives, linked to the authority aim it serves."""

    plan = models.ForeignKey(
        ClientPlan, on_delete=models.CASCADE, related_name="objectives"
    )
    description = models.CharField("objective", max_length=300)
    aim = models.ForeignKey(
        "kpis.AuthorityAim",
        on_delete=models.PROTECT,
        related_name="plan_objectives",
        verbose_name="authority aim",
    )

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.description


class PlanNeed(models.Model):
    """A legal need the client described, usually in a needs assessment."""

    plan = models.ForeignKey(ClientPlan, on_delete=models.CASCADE, related_name="needs")
    description = models.CharField("need", max_length=300)
    source_interaction = models.ForeignKey(
        Interaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_needs",
        help_text="The needs assessment the need came from.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.description


class PlanActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(
            status__in=[PlanAction.Status.NOT_STARTED, PlanAction.Status.IN_PROGRESS]
        )

    def overdue(self, today: date):
        return self.open().filter(due_on__lt=today)


class PlanAction(models.Model):
    """Something the legal service will do under a plan, with an owner and date."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    plan = models.ForeignKey(
        ClientPlan, on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField("action", max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plan_actions",
    )
    due_on = models.DateField("due date")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    shared_with_client = models.BooleanField(
        "shared with the client",
        default=False,
        help_text="Shown to the client in the portal. Leave clear for internal "
        "actions.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "due_on", "pk"]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self):
        return self.description

    def get_absolute_url(self):
        return self.plan.get_absolute_url() + f"#action-{self.pk}"

    def is_overdue(self, today: date) -> bool:
        open_statuses = (self.Status.NOT_STARTED, self.Status.IN_PROGRESS)
        return self.status in open_statuses and self.due_on < today


# Relationship strength
# ---------------------------------------------------------------------------


def relationship_strength(
    moments: list[datetime], *, today: date, half_life_days: float
) -> float:
    """Return the strength of a relationship from the times of its contacts.

    Each contact adds a weight that halves every ``half_life_days``, so
    recent and frequent contact counts most: one contact today is 1.0, and
    one contact ``half_life_days`` ago is 0.5. Contacts after ``today`` count
    as today's.
    """
    total = 0.0
    for moment in moments:
        age_days = max((today - timezone.localtime(moment).date()).days, 0)
        total += math.pow(0.5, age_days / half_life_days)
    return round(total, 3)
