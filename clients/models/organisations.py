from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .legal_holds import LegalHoldFields


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Client(LegalHoldFields):
    """An organisation the legal service acts for."""

    class Kind(models.TextChoices):
        INTERNAL_DIRECTORATE = "internal_directorate", "Internal directorate"
        INTERNAL_SERVICE = "internal_service", "Internal service"
        SCHOOL = "school", "School or academy"
        PARISH_COUNCIL = "parish_council", "Parish or town council"
        OTHER_AUTHORITY = "other_authority", "Other authority"
        PUBLIC_BODY = "public_body", "Other public body"
        CHARITY = "charity", "Charity"

    class Status(models.TextChoices):
        PROSPECTIVE = "prospective", "Prospective"
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"
        FORMER = "former", "Former"

    INTERNAL_KINDS = (Kind.INTERNAL_DIRECTORATE, Kind.INTERNAL_SERVICE)

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The organisation this one belongs to, such as a "
        "service's directorate.",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_clients",
        help_text="The lawyer who looks after this relationship.",
    )
    cost_centre_code = models.CharField(
        max_length=30,
        blank=True,
        help_text="Internal clients only: the finance code that recharges go to.",
    )
    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="clients")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["relationship_owner", "name"]),
        ]
        permissions = [
            ("manage_legal_hold", "Can set and clear legal holds"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clients:detail", args=[self.pk])

    @property
    def is_internal(self):
        return self.kind in self.INTERNAL_KINDS

    def clean(self):
        super().clean()
        errors = {}
        if self.cost_centre_code and not self.is_internal:
            errors["cost_centre_code"] = (
                "Only internal directorates and services have a cost centre. "
                "Clear this field or change the kind."
            )
        if self.parent_id and self._parent_would_make_cycle():
            errors["parent"] = (
                "This parent would make the organisation its own ancestor. "
                "Choose an organisation outside this one's hierarchy."
            )
        if errors:
            raise ValidationError(errors)

    def _parent_would_make_cycle(self):
        if self.pk is None:
            return False
        ancestor_id = self.parent_id
        seen = set()
        while ancestor_id is not None and ancestor_id not in seen:
            if ancestor_id == self.pk:
                return True
            seen.add(ancestor_id)
            ancestor_id = (
                Client.objects.filter(pk=ancestor_id)
                .values_list("parent_id", flat=True)
                .first()
            )
        return False


class Contact(LegalHoldFields):
    """A person at a client organisation."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        MEETING = "meeting", "In person"
        VIDEO_CALL = "video_call", "Video call"

    class Familiarity(models.TextChoices):
        INFORMED = "informed", "Informed"
        SOME = "some", "Some experience"
        UNFAMILIAR = "unfamiliar", "Unfamiliar with legal process"

    class LawfulBasis(models.TextChoices):
        PUBLIC_TASK = "public_task", "Public task"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"
        CONTRACT = "contract", "Contract"
        CONSENT = "consent", "Consent"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts"
    )
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    preferred_channel = models.CharField(
        max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    familiarity = models.CharField(
        "familiarity with legal process",
        max_length=20,
        choices=Familiarity.choices,
        default=Familiarity.SOME,
    )
    is_primary = models.BooleanField("primary contact", default=False)
    is_active = models.BooleanField("active", default=True)
    lawful_basis = models.CharField(
        "lawful basis for processing",
        max_length=30,
        choices=LawfulBasis.choices,
        default=LawfulBasis.PUBLIC_TASK,
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the contact's personal data was erased on their request.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "full_name"]
        indexes = [models.Index(fields=["client", "full_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(is_primary=True),
                name="contact_one_primary_per_client",
                violation_error_message="This client already has a primary contact.",
            )
        ]
        permissions = [
            ("export_contact_data", "Can export a contact's personal data"),
            ("erase_contact", "Can erase a contact's personal data"),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("clients:detail", args=[self.client_id]) + f"#contact-{self.pk}"

    def clean(self):
        super().clean()
        if self.phone and not any(ch.isdigit() for ch in self.phone):
            raise ValidationError(
                {"phone": "Enter a phone number with digits, such as 01632 960123."}
            )
        if self.preferred_channel == self.Channel.EMAIL and not self.email:
            raise ValidationError(
                {"email": "Enter an email address, or choose another channel."}
            )


class InteractionQuerySet(models.QuerySet):
    def follow_ups_open(self):
        return self.filter(follow_up_due__isnull=False, follow_up_done=False)

    def follow_ups_due_by(self, day):
        return self.follow_ups_open().filter(follow_up_due__lte=day)


class Interaction(models.Model):
    """A logged contact with a client: the client contact log."""

    class Channel(models.TextChoices):
        MEETING = "meeting", "Meeting"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        VIDEO_CALL = "video_call", "Video call"
        VISIT = "visit", "Visit"
        TRAINING_EVENT = "training_event", "Training event"

    class Kind(models.TextChoices):
        NEEDS_ASSESSMENT = "needs_assessment", "One-to-one needs assessment"
        RELATIONSHIP_REVIEW = "relationship_review", "Relationship review"
        SERVICE_QUERY = "service_query", "Service query"
        COMPLAINT = "complaint", "Complaint"
        TRAINING = "training", "Training or guidance"
        GENERAL = "general", "General"

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="interactions"
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="interactions")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interactions",
        help_text="The member of the legal service who had the contact.",
    )
    occurred_at = models.DateTimeField("when", default=timezone.now)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.GENERAL)
    summary = models.TextField()
    outcome = models.TextField(blank=True)
    follow_up_action = models.CharField(max_length=300, blank=True)
    follow_up_due = models.DateField("follow-up due", null=True, blank=True)
    follow_up_done = models.BooleanField(default=False)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-occurred_at"]),
            models.Index(fields=["staff", "-occurred_at"]),
            models.Index(
                fields=["staff", "follow_up_due"],
                condition=models.Q(follow_up_done=False, follow_up_due__isnull=False),
                name="interaction_open_follow_up",
            ),
        ]

    def __str__(self):
        when = timezone.localtime(self.occurred_at).strftime("%d %b %Y")
        return f"{self.get_kind_display()} with {self.client} on {when}"

    def get_absolute_url(self):
        return (
            reverse("clients:detail", args=[self.client_id]) + f"#interaction-{self.pk}"
        )

    def clean(self):
        super().clean()
        errors = {}
        if self.follow_up_due and not self.follow_up_action.strip():
            errors["follow_up_action"] = (
                "Say what needs doing, or clear the follow-up due date."
            )
        if self.follow_up_action.strip() and not self.follow_up_due:
            errors["follow_up_due"] = "Enter the date the follow-up is due."
        if self.occurred_at and self.occurred_at > timezone.now() + timedelta(
            minutes=5
        ):
            errors["occurred_at"] = (
                "A logged contact cannot be in the future. Enter when it happened."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def follow_up_is_overdue(self):
        return (
            self.follow_up_due is not None
            and not self.follow_up_done
            and self.follow_up_due < timezone.localdate()
        )


class DigestDelivery(models.Model):
    """A record that one person's digest of one kind went out on one day.

    The row is inserted before the email is sent and the unique constraint
    makes a second insert fail, so a digest job that runs twice, or in two
    workers at once, sends each digest at most once.
    """

    class Kind(models.TextChoices):
        FOLLOW_UPS = "follow_ups", "Follow-ups due"
        PROMISES_AT_RISK = "promises_at_risk", "Service promises at risk"
        KEY_ACCOUNTS = "key_accounts", "Key account reviews and actions"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The day of a daily digest, or the Monday of the week of a weekly one.
    day = models.DateField()
    item_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "digest deliveries"
        ordering = ["-day", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "day"], name="digest_once_per_day"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} on {self.day}"
