from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from .roles import STAFF_ROLES, Role


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required to create a user.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        user = self._create_user(email, password, **extra_fields)
        user.groups.add(Role.ADMINISTRATOR.group())
        return user

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a member of the legal service or a client."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(
        default=True,
        help_text="Clear this instead of deleting the account, so that the "
        "audit trail keeps its name.",
    )
    is_staff = models.BooleanField(
        "Django admin access",
        default=False,
        help_text="Lets an administrator sign in to the Django admin.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def role_names(self):
        """Names of the role groups the user belongs to, read once a request."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles):
        return any(role.label in self.role_names for role in roles)

    @property
    def is_legal_staff(self):
        return self.is_active and self.has_role(*STAFF_ROLES)

    @property
    def is_portal_user(self):
        return self.is_active and not self.is_legal_staff and self.has_role(Role.CLIENT)

    @property
    def is_administrator(self):
        return self.is_active and self.has_role(Role.ADMINISTRATOR)

    @property
    def sees_whole_service(self):
        return self.is_active and self.has_role(
            Role.PRACTICE_MANAGER, Role.SENIOR_LEGAL_MANAGER, Role.ADMINISTRATOR
        )


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Employment details of a member of the legal service."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    job_title = models.CharField(max_length=120, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    hourly_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pounds per hour, used to value chargeable time.",
    )
    start_date = models.DateField(null=True, blank=True)
    leave_date = models.DateField(null=True, blank=True)
    relationship_duties = models.TextField(
        blank=True, help_text="Clients or accounts this person looks after."
    )

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.job_title or 'staff'})"

    def clean(self):
        super().clean()
        if self.hourly_rate is not None and self.hourly_rate < 0:
            raise ValidationError({"hourly_rate": "Enter a rate of zero or more."})
        if self.start_date and self.leave_date and self.leave_date < self.start_date:
            raise ValidationError(
                {"leave_date": "The leave date must be on or after the start date."}
            )


class PortalMembership(models.Model):
    """Links a client (portal) user to a client organisation they may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_memberships",
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="portal_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["client__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client"], name="portal_membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} at {self.client}"


class AuditTrailImmutableError(Exception):
    """An attempt to change or delete an entry of the audit trail."""


class AuditEvent(models.Model):
    """One entry in the audit trail: who did what to which record, and when.

    Entries are only ever added: ``save()`` raises for a row already stored,
    ``delete()`` always raises, and the admin shows entries read-only.
    Bulk ``QuerySet`` methods bypass those checks on purpose and are kept for
    two internal jobs. Erasing a contact redacts their name from the entries
    about them with a bulk update, and the retention job deletes entries
    that have passed their retention period with a bulk delete.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGN_OUT = "sign_out", "Signed out"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        VIEW_AS_CLIENT = "view_as_client", "Viewed the portal as a client"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    # The email typed at a failed sign-in, which may match no account.
    username = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        who = self.actor or self.username or "someone"
        return f"{who} {self.get_action_display().lower()} {self.target_repr}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailImmutableError(
                f"Audit entry {self.pk} cannot be changed: the audit trail only "
                "grows. Record a new entry instead."
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:accounts_auditevent_change", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutableError(
            f"Audit entry {self.pk} cannot be deleted: the audit trail only grows."
        )


class PortalInvitation(models.Model):
    """An emailed single-use link that lets a client contact into the portal.

    Only a SHA-256 hash of the link's token is stored, so the database alone
    cannot be used to accept an invitation.
    """

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="portal_invitations"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="portal_invitations"
    )
    email = models.EmailField("email address")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The portal account that accepted the invitation.",
    )
    revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a newer invitation replaced this one.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "-created_at"])]

    def __str__(self):
        return f"Portal invitation for {self.email} to {self.client}"

    def is_open(self, now=None):
        """Return True while the link is not accepted, revoked or expired."""
        now = now or timezone.now()
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and now < self.expires_at
        )


class SchedulerHeartbeat(models.Model):
    """The last time a scheduled job proved that beat, the broker and a worker run.

    ``crm_site.tasks.record_heartbeat`` runs every minute and keeps one row
    per name up to date, and the health endpoint reports the row's age.
    """

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "scheduler heartbeat"

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, *, name: str, at) -> "SchedulerHeartbeat":
        """Store ``at`` as the latest beat of ``name``, creating the row once."""
        heartbeat, _created = cls.objects.update_or_create(
            name=name, defaults={"beat_at": at}
        )
        return heartbeat
