"""Matters, service promises, hourly rates and time entries."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clients.money import line_amount
from clients.working_days import add_working_days

from .legal_holds import LegalHoldFields
from .organisations import Client, Contact

# The maximum minutes of one time entry: a whole day.
MAX_ENTRY_MINUTES = 24 * 60
# A promise is at risk when it falls due within this many working days.
AT_RISK_WORKING_DAYS = 2


class ServicePromise(models.Model):
    """A service standard, such as advice within 10 working days."""

    name = models.CharField(max_length=150, unique=True)
    working_days = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(365)],
        help_text="Working days from the day the matter is opened, not "
        "counting weekends and England and Wales bank holidays.",
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["working_days", "name"]

    def __str__(self):
        return self.name

    def due_date(self, opened_on: date) -> date:
        return add_working_days(opened_on, self.working_days)


class MatterType(models.Model):
    """A kind of matter, with the service promise that applies by default."""

    name = models.CharField(max_length=100, unique=True)
    default_promise = models.ForeignKey(
        ServicePromise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matter_types",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClientPromiseOverride(models.Model):
    """A promise agreed with one client for one matter type, replacing the default."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="promise_overrides"
    )
    matter_type = models.ForeignKey(
        MatterType, on_delete=models.CASCADE, related_name="client_overrides"
    )
    promise = models.ForeignKey(
        ServicePromise, on_delete=models.PROTECT, related_name="client_overrides"
    )
    agreed_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["client__name", "matter_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "matter_type"],
                name="promise_override_once_per_client_type",
                violation_error_message="This client already has an agreed "
                "promise for this matter type.",
            )
        ]

    def __str__(self):
        return f"{self.client}: {self.matter_type} - {self.promise}"


class MatterQuerySet(models.QuerySet):
    def promise_pending(self):
        return self.filter(target_date__isnull=False, promise_met_on__isnull=True)

    def promise_at_risk(self, today: date):
        """Matters whose unmet promise falls due within 2 working days."""
        last_day = add_working_days(today, AT_RISK_WORKING_DAYS)
        return self.promise_pending().filter(
            target_date__gte=today, target_date__lte=last_day
        )

    def promise_overdue(self, today: date):
        return self.promise_pending().filter(target_date__lt=today)

    def promise_missed(self, today: date):
        late = models.Q(promise_met_on__gt=models.F("target_date"))
        overdue = models.Q(promise_met_on__isnull=True, target_date__lt=today)
        return self.filter(target_date__isnull=False).filter(late | overdue)

    def promise_met(self):
        return self.filter(promise_met_on__lte=models.F("target_date"))


class Matter(LegalHoldFields):
    """A piece of work for a client, usually mirrored from the case system."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ON_HOLD = "on_hold", "On hold"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        SUCCESSFUL = "successful", "Successful"
        PARTLY_SUCCESSFUL = "partly_successful", "Partly successful"
        UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
        NOT_APPLICABLE = "not_applicable", "Not applicable (advice only)"

    class PromiseState(models.TextChoices):
        NONE = "none", "No promise"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        MET = "met", "Met"
        MISSED = "missed", "Missed"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="matters")
    client_contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructed_matters",
        verbose_name="instructing contact",
        help_text="The contact who instructed the legal service.",
    )
    reference = models.CharField(
        max_length=50,
        unique=True,
        help_text="Usually the case management system's reference.",
    )
    title = models.CharField(max_length=200)
    matter_type = models.ForeignKey(
        MatterType, on_delete=models.PROTECT, related_name="matters"
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
    )
    responsible_lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsible_matters",
    )
    opened_on = models.DateField("opened", default=timezone.localdate)
    closed_on = models.DateField("closed", null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN
    )
    is_chargeable = models.BooleanField(
        "chargeable",
        default=True,
        help_text="Time on this matter is recharged unless an entry says otherwise.",
    )
    service_promise = models.ForeignKey(
        ServicePromise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
    )
    target_date = models.DateField(
        null=True,
        blank=True,
        help_text="The day the service promise falls due.",
    )
    promise_met_on = models.DateField(
        "promise met on",
        null=True,
        blank=True,
        help_text="The day the promised work was done.",
    )
    outcome = models.CharField(
        max_length=20,
        choices=Outcome.choices,
        blank=True,
        help_text="Recorded when the matter closes; blank means not recorded.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "reference"]
        indexes = [
            models.Index(fields=["responsible_lawyer", "status"]),
            models.Index(fields=["client", "status"]),
            models.Index(
                fields=["target_date"],
                condition=models.Q(promise_met_on__isnull=True),
                name="matter_promise_pending",
            ),
            # The matter list's default order, so that a page of it is read
            # from the index instead of sorting every matter.
            models.Index(fields=["-opened_on", "id"], name="matter_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="matter_closed_after_opened",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("clients:matter_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
            errors["closed_on"] = "The closed date must be on or after the opened date."
        if self.status == self.Status.CLOSED and not self.closed_on:
            errors["closed_on"] = "Enter the date the matter closed."
        if self.status != self.Status.CLOSED and self.closed_on:
            errors["closed_on"] = "Only a closed matter has a closed date."
        if self.status != self.Status.CLOSED and self.outcome:
            errors["outcome"] = "Only a closed matter has an outcome."
        if self.client_contact_id and self.client_id:
            if self.client_contact.client_id != self.client_id:
                errors["client_contact"] = (
                    "Choose a contact at this matter's client, or leave it blank."
                )
        if (
            self.promise_met_on
            and self.opened_on
            and self.promise_met_on < self.opened_on
        ):
            errors["promise_met_on"] = (
                "The promise cannot be met before the matter was opened."
            )
        if errors:
            raise ValidationError(errors)

    def promise_state(self, today: date) -> str:
        """Return the ``PromiseState`` of this matter's promise on ``today``."""
        if self.target_date is None:
            return self.PromiseState.NONE
        if self.promise_met_on is not None:
            if self.promise_met_on <= self.target_date:
                return self.PromiseState.MET
            return self.PromiseState.MISSED
        if self.target_date < today:
            return self.PromiseState.MISSED
        if self.target_date <= add_working_days(today, AT_RISK_WORKING_DAYS):
            return self.PromiseState.AT_RISK
        return self.PromiseState.ON_TRACK


class HourlyRate(models.Model):
    """A staff member's charging rate from a date until their next rate."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hourly_rates"
    )
    rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Pounds per hour.",
    )
    effective_from = models.DateField()

    class Meta:
        ordering = ["staff", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "effective_from"],
                name="hourly_rate_once_per_day",
                violation_error_message="This person already has a rate from "
                "this date.",
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0), name="hourly_rate_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.staff}: £{self.rate} from {self.effective_from:%d/%m/%Y}"


class TimeEntry(models.Model):
    """Minutes one staff member spent on a matter on one day.

    ``hourly_rate`` is copied from the rate in force on ``worked_on`` when the
    entry is saved, and ``amount`` is worked out from it, so later rate
    changes never alter past entries.
    """

    class Activity(models.TextChoices):
        ADVICE = "advice", "Advice"
        DRAFTING = "drafting", "Drafting"
        MEETING = "meeting", "Meeting or call"
        CORRESPONDENCE = "correspondence", "Correspondence"
        RESEARCH = "research", "Research"
        HEARING = "hearing", "Court or tribunal"
        TRAVEL = "travel", "Travel"
        OTHER = "other", "Other"

    matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="time_entries"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    worked_on = models.DateField("date")
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTRY_MINUTES)]
    )
    is_chargeable = models.BooleanField("chargeable", default=True)
    hourly_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Pounds per hour, copied from the rate in force on the date.",
    )
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="minutes / 60 x hourly rate, rounded half up to the penny.",
    )
    activity = models.CharField(
        max_length=20, choices=Activity.choices, default=Activity.ADVICE
    )
    note = models.CharField(max_length=500, blank=True)
    from_timesheet = models.BooleanField(
        default=False,
        help_text="Made by the weekly timesheet, which keeps one such entry "
        "per matter and day.",
    )
    # Set for rows that came from an import, so that importing the same
    # file again matches them instead of adding them twice.
    import_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "time entries"
        ordering = ["-worked_on", "-pk"]
        indexes = [
            models.Index(fields=["matter", "worked_on"]),
            models.Index(fields=["staff", "worked_on"]),
            # KPIs and the key account ranking add up chargeable time by date
            # range; holding the summed columns lets them read the index alone.
            models.Index(
                fields=["worked_on", "matter", "staff", "minutes", "amount"],
                condition=models.Q(is_chargeable=True),
                name="time_entry_chargeable_by_day",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=MAX_ENTRY_MINUTES),
                name="time_entry_minutes_in_range",
            ),
            models.UniqueConstraint(
                fields=["matter", "staff", "worked_on"],
                condition=models.Q(from_timesheet=True),
                name="time_entry_one_timesheet_cell",
            ),
        ]

    def __str__(self):
        return f"{self.minutes} min on {self.matter.reference} by {self.staff}"

    def save(self, *args, **kwargs):
        self.set_amount()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"minutes", "hourly_rate"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "amount"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.matter.get_absolute_url() + "#time"

    def clean(self):
        super().clean()
        errors = {}
        if self.worked_on and self.worked_on > timezone.localdate():
            errors["worked_on"] = "Time cannot be recorded for a future date."
        matter = self.matter if self.matter_id else None
        if matter and self.worked_on and self.worked_on < matter.opened_on:
            errors["worked_on"] = (
                f"The matter opened on {matter.opened_on:%d/%m/%Y}. Enter a date "
                "on or after that."
            )
        if matter and self.worked_on and matter.closed_on:
            if self.worked_on > matter.closed_on:
                errors["worked_on"] = (
                    f"The matter closed on {matter.closed_on:%d/%m/%Y}. Enter a "
                    "date on or before that, or reopen the matter."
                )
        if errors:
            raise ValidationError(errors)

    def set_amount(self):
        """Work out ``amount``; call it on entries written with ``bulk_create``."""
        self.amount = line_amount(self.minutes, Decimal(self.hourly_rate))
        return self
