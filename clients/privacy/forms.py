"""The form for setting a legal hold."""

from django import forms

from ..models import Client


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the hold",
        max_length=Client._meta.get_field("legal_hold_reason").max_length,
        help_text="For example the claim, inquiry or request that needs these "
        "records kept.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for the hold, such as the claim it is for."
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(
                "Enter the reason for the hold, such as the claim it is for."
            )
        return reason
