"""Guidance articles and client feedback, the records behind the client portal."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clients.models import Client

# Guidance library
# ---------------------------------------------------------------------------


class ArticleCategory(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Order in the portal's category list; lower comes first."
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "article categories"

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def for_client_kind(self, kind):
        """Articles whose audience includes organisations of ``kind``."""
        chosen = ArticleAudience.objects.filter(article=OuterRef("pk"), kind=kind)
        return self.filter(
            Q(audience=Article.Audience.ALL_CLIENTS)
            | Q(Exists(chosen), audience=Article.Audience.CHOSEN_KINDS)
        )

    def review_due(self, day):
        return self.filter(review_date__lt=day)


class Article(models.Model):
    """A guidance article for clients, written in Markdown by staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Audience(models.TextChoices):
        ALL_CLIENTS = "all", "All clients"
        CHOSEN_KINDS = "kinds", "Chosen kinds of client"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the article's portal address, such as "
        "how-to-instruct-us.",
    )
    summary = models.CharField(
        max_length=300, help_text="One or two sentences shown in lists and searches."
    )
    body = models.TextField(
        help_text="Markdown. Headings, lists, links, tables and emphasis are "
        "kept; scripts, images and other HTML are removed."
    )
    category = models.ForeignKey(
        ArticleCategory, on_delete=models.PROTECT, related_name="articles"
    )
    audience = models.CharField(
        max_length=10, choices=Audience.choices, default=Audience.ALL_CLIENTS
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_articles",
        help_text="Keeps the article up to date and gets the review reminder.",
    )
    review_date = models.DateField(
        help_text="The owner gets a reminder by email once this date has passed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["review_date"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("feedback_staff:article_detail", args=[self.pk])

    def get_portal_url(self):
        return reverse("portal:article", args=[self.slug])

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def review_is_overdue(self):
        return self.review_date < timezone.localdate()


class ArticleAudience(models.Model):
    """One kind of client that an article with chosen kinds is written for."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="audience_kinds"
    )
    kind = models.CharField(max_length=30, choices=Client.Kind.choices)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "kind"], name="article_audience_unique"
            )
        ]

    def __str__(self):
        return f"{self.article} for {self.get_kind_display()}"


class ArticleVote(models.Model):
    """A portal user's vote on whether one article was helpful."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organisation the user had selected in the portal.",
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="article_vote_once_per_user"
            )
        ]

    def __str__(self):
        verdict = "helpful" if self.helpful else "not helpful"
        return f"{self.article}: {verdict}"


class ArticleReviewReminder(models.Model):
    """A record that an article's owner was reminded of one review date.

    The row is inserted before the email is sent, and the unique constraint
    makes a second insert fail, so each review date gets one reminder however
    often the job runs.
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="review_reminders"
    )
    review_date = models.DateField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-review_date", "article"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "review_date"], name="article_review_reminder_once"
            )
        ]

    def __str__(self):
        return f"Review reminder for {self.article} due {self.review_date}"


# Feedback
# ---------------------------------------------------------------------------


class FeedbackQuerySet(models.QuerySet):
    def overdue(self, today):
        """Complaints past their acknowledgement or resolution target."""
        late_acknowledgement = Q(
            acknowledged_at__isnull=True, acknowledge_due__lt=today
        )
        late_resolution = Q(resolved_at__isnull=True, resolve_due__lt=today)
        return self.filter(
            late_acknowledgement | late_resolution, kind=Feedback.Kind.COMPLAINT
        )

    def open(self):
        return self.exclude(status=Feedback.Status.RESOLVED)


class Feedback(models.Model):
    """A compliment, complaint, suggestion or question from a client."""

    class Kind(models.TextChoices):
        COMPLIMENT = "compliment", "Compliment"
        COMPLAINT = "complaint", "Complaint"
        SUGGESTION = "suggestion", "Suggestion"
        QUESTION = "question", "Question"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESPONDED = "responded", "Answered"
        RESOLVED = "resolved", "Resolved"

    class Channel(models.TextChoices):
        PORTAL = "portal", "Client portal"
        PHONE = "phone", "Phone"
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        IN_PERSON = "in_person", "In person"

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="feedback_items"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    message = models.TextField()
    channel = models.CharField(
        max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    matter = models.ForeignKey(
        "clients.Matter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_items",
        help_text="The matter it is about, if it is about one.",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The portal user who sent it through the portal.",
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_items",
        help_text="The client contact it came from, when staff logged it.",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who logged feedback received by phone, "
        "letter, email or in person.",
    )
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    acknowledge_due = models.DateField(
        "acknowledge by", null=True, blank=True, help_text="Complaints only."
    )
    resolve_due = models.DateField(
        "resolve by", null=True, blank=True, help_text="Complaints only."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_feedback",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(
        blank=True, help_text="The legal service's answer, shown to the client."
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(fields=["client", "-received_at"]),
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["assigned_to", "status"]),
        ]
        permissions = [
            (
                "view_portal_as_client",
                "Can view the client portal as a client, read only",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.subject}"

    def get_absolute_url(self):
        return reverse("feedback_staff:feedback_detail", args=[self.pk])

    def get_portal_url(self):
        return reverse("portal:feedback_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.contact_id and self.contact.client_id != self.client_id:
            errors["contact"] = (
                "Choose a contact at the organisation the feedback is from."
            )
        if self.matter_id and self.matter.client_id != self.client_id:
            errors["matter"] = (
                "Choose a matter of the organisation the feedback is from."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def reference(self):
        return f"FB-{self.pk:05d}" if self.pk else "FB-new"

    @property
    def is_complaint(self):
        return self.kind == self.Kind.COMPLAINT

    @property
    def is_resolved(self):
        return self.status == self.Status.RESOLVED

    @property
    def acknowledgement_overdue(self):
        return (
            self.acknowledge_due is not None
            and self.acknowledged_at is None
            and self.acknowledge_due < timezone.localdate()
        )

    @property
    def resolution_overdue(self):
        return (
            self.resolve_due is not None
            and self.resolved_at is None
            and self.resolve_due < timezone.localdate()
        )

    @property
    def is_overdue(self):
        return self.acknowledgement_overdue or self.resolution_overdue

    @property
    def acknowledged_on_time(self):
        """Whether an acknowledged complaint met its target; None otherwise."""
        return _met_target(self.acknowledged_at, self.acknowledge_due)

    @property
    def resolved_on_time(self):
        """Whether a resolved complaint met its target; None otherwise."""
        return _met_target(self.resolved_at, self.resolve_due)


def _met_target(done_at, due):
    if done_at is None or due is None:
        return None
    return timezone.localdate(done_at) <= due
