"""The legal hold flag shared by clients, contacts and matters."""

from django.conf import settings
from django.db import models


class LegalHoldFields(models.Model):
    """A hold that keeps a record, and what hangs off it, from retention and erasure.

    Litigation, an inquiry or a complaint to the regulator can oblige the
    council to keep records that its retention schedule would otherwise
    remove. The retention job and contact erasure skip every held record.
    """

    legal_hold = models.BooleanField(
        "under legal hold",
        default=False,
        help_text="Keeps the record from retention clean-up and erasure.",
    )
    legal_hold_reason = models.CharField(
        "reason for the legal hold", max_length=300, blank=True
    )
    legal_hold_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    legal_hold_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
