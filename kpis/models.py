"""Authority aims, the council's corporate aims that client objectives serve,
and the KPIs that show how the legal service serves them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .choices import (
    MANUAL_SOURCE,
    SERVICE_SCOPE_ID,
    Direction,
    ScopeKind,
    Status,
    Unit,
)
from .periods import Period, PeriodKind


class AuthorityAim(models.Model):
    """One of the authority's corporate aims, such as "Thriving communities"."""

    code = models.CharField(
        max_length=20, unique=True, help_text="A short code such as AIM1."
    )
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    active = models.BooleanField(
        default=True, help_text="Only active aims can be chosen for new objectives."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


# KPI definitions, records, benchmarks and costs
# ---------------------------------------------------------------------------

# A value has at most 10 digits before the point and 4 after it.
VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}


class KpiDefinition(models.Model):
    """A key performance indicator: what is measured, its target and its source."""

    code = models.SlugField(
        max_length=60, unique=True, help_text="A short code such as csat."
    )
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    target = models.DecimalField(
        **VALUE_DIGITS, null=True, blank=True, help_text="In the KPI's unit."
    )
    amber_threshold = models.DecimalField(
        **VALUE_DIGITS,
        null=True,
        blank=True,
        help_text="A value between this and the target is amber; beyond it, red.",
    )
    frequency = models.CharField(
        max_length=20, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    aim = models.ForeignKey(
        AuthorityAim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name="authority aim",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_kpis",
    )
    source = models.CharField(
        max_length=60,
        default=MANUAL_SOURCE,
        help_text='The name of the calculator that computes it, or "manual" '
        "for values entered by hand.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["aim__code", "position", "code"]
        permissions = [
            ("view_kpi_dashboard", "Can view KPI dashboards of the whole service"),
            ("recompute_kpirecord", "Can recompute KPI records for a period"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("kpis:detail", args=[self.code])

    def clean(self):
        super().clean()
        from .calculators import all_calculators

        if self.source != MANUAL_SOURCE and self.source not in all_calculators():
            raise ValidationError(
                {
                    "source": f'Unknown calculator "{self.source}". Choose one from '
                    'the list, or "manual".'
                }
            )
        if self.target is not None and self.amber_threshold is not None:
            wrong_side = (
                self.amber_threshold > self.target
                if self.direction == Direction.HIGHER
                else self.amber_threshold < self.target
            )
            if wrong_side:
                raise ValidationError(
                    {
                        "amber_threshold": "Put the amber threshold on the worse "
                        "side of the target."
                    }
                )

    @property
    def is_manual(self):
        return self.source == MANUAL_SOURCE

    def status_of(self, value: Decimal | None) -> str:
        """Return the red, amber or green ``Status`` of ``value`` against target."""
        if value is None or self.target is None:
            return Status.NONE
        better = (
            (lambda a, b: a >= b)
            if self.direction == Direction.HIGHER
            else (lambda a, b: a <= b)
        )
        if better(value, self.target):
            return Status.GREEN
        if self.amber_threshold is not None and better(value, self.amber_threshold):
            return Status.AMBER
        return Status.RED


class KpiRecord(models.Model):
    """One value of one KPI for one period and one scope.

    The numerator and denominator are kept so that the value can be traced to
    the rows behind it. A whole-service record has scope id 0.
    """

    definition = models.ForeignKey(
        KpiDefinition, on_delete=models.CASCADE, related_name="records"
    )
    period_kind = models.CharField(max_length=20, choices=PeriodKind.choices)
    period_start = models.DateField()
    scope_kind = models.CharField(
        max_length=20, choices=ScopeKind.choices, default=ScopeKind.SERVICE
    )
    scope_id = models.PositiveIntegerField(default=SERVICE_SCOPE_ID)
    scope_label = models.CharField(max_length=200, blank=True)
    value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    numerator = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    denominator = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    missing_reason = models.CharField(max_length=200, blank=True)
    is_manual = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["definition", "period_kind", "-period_start", "scope_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "definition",
                    "period_kind",
                    "period_start",
                    "scope_kind",
                    "scope_id",
                ],
                name="kpi_record_once_per_period_and_scope",
            )
        ]
        indexes = [
            models.Index(fields=["period_kind", "scope_kind", "period_start"]),
        ]

    def __str__(self):
        return f"{self.definition} {self.period.label} {self.scope_label or 'service'}"

    @property
    def period(self) -> Period:
        return Period(self.period_kind, self.period_start)


class Benchmark(models.Model):
    """One peer service's value of a KPI for a period, to compare ours with."""

    definition = models.ForeignKey(
        KpiDefinition, on_delete=models.CASCADE, related_name="benchmarks"
    )
    period_kind = models.CharField(max_length=20, choices=PeriodKind.choices)
    period_start = models.DateField()
    peer = models.CharField(
        "peer service", max_length=150, help_text="The service the value is from."
    )
    value = models.DecimalField(**VALUE_DIGITS)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where the figure was published."
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["definition", "-period_start", "peer"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "period_kind", "period_start", "peer"],
                name="benchmark_once_per_peer_and_period",
                violation_error_message="This peer already has a value for this "
                "KPI and period.",
            )
        ]

    def __str__(self):
        return f"{self.peer}: {self.definition} {self.period.label}"

    @property
    def period(self) -> Period:
        return Period(self.period_kind, self.period_start)


class ServiceCost(models.Model):
    """The cost of running the service, or one team of it, for one month."""

    month = models.DateField(help_text="The first day of the month.")
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty for costs of the whole service.",
    )
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Pounds and pence."
    )
    description = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "team__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="service_cost_month_first_day"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="service_cost_not_negative"
            ),
        ]

    def __str__(self):
        return f"£{self.amount} {self.month:%B %Y} {self.team or 'whole service'}"
