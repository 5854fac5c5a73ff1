"""Satisfaction surveys: questions, rounds sent to clients, and their answers.

A ``Survey`` is a list of questions. A ``SurveyRound`` sends one survey to an
audience, and each contact in it gets an ``Invitation``. Every email of an
invitation (the first one and each reminder) carries its own random token, of
which only a SHA-256 hash is kept in ``InvitationToken``. A submitted survey
is a ``Response`` with one ``Answer`` per question, or per ticked choice.

In a round that is not named, a response keeps the client and the lawyer it
counts towards, for the results filters, but no link to the invitation or the
contact, so the results and exports cannot show which contact gave which
answers. NOTE: at a client with one invited contact, the client alone points
to that contact, so staff should not read such a response as anonymous.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients.models import Client

# Surveys and questions
# ---------------------------------------------------------------------------


class Survey(models.Model):
    """A questionnaire that rounds send to clients."""

    title = models.CharField(max_length=200)
    introduction = models.TextField(
        blank=True, help_text="Shown to clients above the questions."
    )
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
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("surveys:survey_detail", args=[self.pk])

    @property
    def is_locked(self):
        """Whether a round has been launched, which freezes the questions.

        Answers refer to questions, so changing a sent survey would change what
        earlier answers mean. Staff copy the survey instead.
        """
        return self.rounds.exclude(status=SurveyRound.Status.DRAFT).exists()


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", "Rating, 1 to 5"
        NPS = "nps", "Likelihood to recommend, 0 to 10"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        FREE_TEXT = "free_text", "Free text"

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
    SCORE_KINDS = (Kind.RATING, Kind.NPS)
    SCALES = {Kind.RATING: range(1, 6), Kind.NPS: range(0, 11)}

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField("question", max_length=300)
    help_text = models.CharField(
        max_length=300, blank=True, help_text="Shown under the question."
    )
    required = models.BooleanField(
        default=True, help_text="Clients must answer it to submit the survey."
    )

    class Meta:
        ordering = ["survey", "position", "pk"]
        indexes = [models.Index(fields=["survey", "position"])]

    def __str__(self):
        return self.text

    @property
    def has_choices(self):
        return self.kind in self.CHOICE_KINDS

    @property
    def scale(self):
        """The scores a rating or NPS question accepts; empty for other kinds."""
        return self.SCALES.get(self.kind, range(0))


class QuestionChoice(models.Model):
    """One option of a single or multiple choice question."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.label


# Rounds and invitations
# ---------------------------------------------------------------------------


class SurveyRound(models.Model):
    """One sending of a survey to an audience, open between two times."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class Audience(models.TextChoices):
        CLIENT_KIND = "client_kind", "Clients of chosen kinds"
        TEAM = "team", "Clients of one team"
        CONTACTS = "contacts", "Named contacts"
        KEY_ACCOUNTS = "key_accounts", "Key account clients"
        MATTER_CLOSED = "matter_closed", "Client contact of each matter that closes"

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(
        max_length=150, help_text="For example: Schools satisfaction, spring 2026."
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    client_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Client kinds invited when the audience is chosen kinds.",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Invites the clients whose relationship owner is in this team.",
    )
    contacts = models.ManyToManyField(
        "clients.Contact", blank=True, related_name="survey_rounds"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(
        help_text="Links stop working and reminders stop at this time."
    )
    max_reminders = models.PositiveSmallIntegerField(
        "at most this many reminders",
        default=2,
        validators=[MaxValueValidator(5)],
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        "at least this many days apart",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days between one email to a contact and the next reminder.",
    )
    is_named = models.BooleanField(
        "named responses",
        default=False,
        help_text="Staff can see which contact gave which answers. Leave this "
        "off for anonymous results. It cannot be changed after launch.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
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
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["status", "closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="survey_round_closes_after_opening",
                violation_error_message="The closing time must be after the "
                "opening time.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("surveys:round_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = "Choose a closing time after the opening time."
        if self.audience == self.Audience.CLIENT_KIND and not self.client_kinds:
            errors["client_kinds"] = "Choose at least one kind of client."
        unknown = set(self.client_kinds or []) - set(Client.Kind.values)
        if unknown:
            errors["client_kinds"] = f"Unknown client kinds: {', '.join(unknown)}."
        if self.audience == self.Audience.TEAM and not self.team_id:
            errors["team"] = "Choose the team whose clients are invited."
        if errors:
            raise ValidationError(errors)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    def client_kind_labels(self):
        labels = dict(Client.Kind.choices)
        return [labels.get(kind, kind) for kind in self.client_kinds]

    def accepts_answers(self, now=None):
        """Whether a contact can answer now: open, started and not yet closed."""
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    def has_closed(self, now=None):
        now = now or timezone.now()
        return self.status == self.Status.CLOSED or now >= self.closes_at


class Invitation(models.Model):
    """A contact's place in a round, with the state of its emails and answer."""

    round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="invitations"
    )
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The lawyer the answers count towards in the results: the "
        "client's relationship owner, or the matter's responsible lawyer.",
    )
    matter_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The closed matter that prompted a post-matter invitation.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first email went out."
    )
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    next_reminder_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the next reminder is due, or empty if none is left.",
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "pk"]
        indexes = [
            models.Index(fields=["next_reminder_at"], name="invitation_reminder_due"),
            models.Index(fields=["contact", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "contact"], name="invitation_once_per_round"
            )
        ]

    def __str__(self):
        return f"Invitation {self.pk} to {self.round}"


class InvitationToken(models.Model):
    """The SHA-256 hash of the token in one email of an invitation.

    Every email has a fresh token, so a reminder's link works as well as the
    first email's. The raw token exists only in the email.
    """

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invitation", "pk"]

    def __str__(self):
        return f"Token {self.pk} of invitation {self.invitation_id}"


class SurveyOptOut(models.Model):
    """A contact who asked for no more survey email."""

    class Source(models.TextChoices):
        LINK = "link", "Opt-out link in a survey email"
        STAFF = "staff", "Recorded by staff"

    contact = models.OneToOneField(
        "clients.Contact", on_delete=models.CASCADE, related_name="survey_opt_out"
    )
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.LINK
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "survey opt-out"

    def __str__(self):
        return f"Survey opt-out of contact {self.contact_id}"


# Responses
# ---------------------------------------------------------------------------


class Response(models.Model):
    """One contact's submitted answers to a round.

    ``invitation`` is set only in named rounds. The date, not the time, is
    kept so that the submission time cannot be matched to an invitation.
    """

    round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="responses"
    )
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response",
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="survey_responses"
    )
    client_kind = models.CharField(max_length=30, choices=Client.Kind.choices)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_on = models.DateField()
    follow_up = models.ForeignKey(
        "clients.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The follow-up that a low score created.",
    )

    class Meta:
        ordering = ["round", "pk"]
        indexes = [models.Index(fields=["round", "client_kind"])]

    def __str__(self):
        return f"Response {self.pk} to {self.round}"


class Answer(models.Model):
    """The answer to one question, or one ticked option of a multiple choice."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers"
    )
    score = models.SmallIntegerField(
        null=True, blank=True, help_text="Rating and NPS questions."
    )
    choice = models.ForeignKey(
        QuestionChoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "question__position", "pk"]
        indexes = [models.Index(fields=["question", "score"])]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="answer_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                name="answer_choice_once",
            ),
        ]

    def __str__(self):
        return f"Answer to {self.question}"


# You said, we did
# ---------------------------------------------------------------------------


class YouSaidWeDidQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class YouSaidWeDid(models.Model):
    """What clients told the service, and what the service did about it.

    An item with no client is about the whole service and is shown to every
    client once published.
    """

    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="you_said_we_did",
        help_text="Leave empty for an action that concerns every client.",
    )
    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="you_said_we_did",
        help_text="The survey round the comments came from, if any.",
    )
    you_said = models.TextField("you said", help_text="What clients told us.")
    we_did = models.TextField("we did", help_text="What we did in response.")
    done_on = models.DateField(
        "done on", null=True, blank=True, help_text="When the action was taken."
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Show it in the client portal."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = YouSaidWeDidQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "you said, we did item"
        verbose_name_plural = "you said, we did items"
        indexes = [models.Index(fields=["is_published", "client"])]

    def __str__(self):
        summary = " ".join(self.you_said.split())
        return summary if len(summary) <= 60 else summary[:59] + "…"

    def get_absolute_url(self):
        return reverse("surveys:yswd_edit", args=[self.pk])
