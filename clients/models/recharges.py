"""Monthly recharge statements to internal clients."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from .matters import Matter, TimeEntry
from .organisations import Client


class RechargeStatement(models.Model):
    """One internal client's chargeable time for one month.

    A draft's lines are worked out afresh from the unbilled time entries each
    time it is shown. Issuing copies them into ``RechargeLine`` rows and
    links each entry to its line, after which the statement never changes.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="recharge_statements"
    )
    month = models.DateField(
        help_text="The first day of the month the statement covers."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Copied from the client on issue, so a later change of code leaves the
    # statement as it was sent.
    cost_centre_code = models.CharField(max_length=30, blank=True)
    total = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The sum of the lines, set when the statement is issued.",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
        ordering = ["-month", "client__name"]
        permissions = [("issue_rechargestatement", "Can issue recharge statements")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "month"],
                name="recharge_statement_once_per_month",
                violation_error_message="This client already has a statement "
                "for this month.",
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="recharge_month_first_day"
            ),
        ]

    def __str__(self):
        return f"{self.client} {self.month:%B %Y}"

    def get_absolute_url(self):
        return reverse("clients:statement_detail", args=[self.pk])

    @property
    def is_issued(self):
        return self.status == self.Status.ISSUED

    @property
    def number(self):
        code = self.cost_centre_code or self.client.cost_centre_code or self.client_id
        return f"{code}/{self.month:%Y-%m}"


class RechargeLine(models.Model):
    """One time entry on an issued statement, with its values as issued.

    An entry dated before the statement's month is an adjustment: time
    recorded after its own month's statement had been issued.
    """

    statement = models.ForeignKey(
        RechargeStatement, on_delete=models.PROTECT, related_name="lines"
    )
    time_entry = models.OneToOneField(
        TimeEntry, on_delete=models.PROTECT, related_name="recharge_line"
    )
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    worked_on = models.DateField("date")
    minutes = models.PositiveIntegerField()
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    is_adjustment = models.BooleanField(default=False)

    class Meta:
        ordering = [
            "statement",
            "is_adjustment",
            "matter__reference",
            "worked_on",
            "pk",
        ]

    def __str__(self):
        return f"{self.statement}: {self.minutes} min on {self.worked_on}"
