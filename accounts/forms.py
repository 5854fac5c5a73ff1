from django import forms
from django.contrib.auth.forms import AuthenticationForm

from . import two_factor


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email address and password do not match an account. Check "
            "both and try again, or reset your password."
        ),
    }


class TwoFactorCodeForm(forms.Form):
    """Ask for a code from the authenticator app, or a backup code.

    ``clean`` checks the code against the user's devices, so a valid form
    means an accepted code and ``device`` is the device that accepted it.
    ``wait_seconds`` is set when django-otp's throttling rejected the code.
    """

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or a backup code.",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )

    wrong_code_message = (
        "That code is invalid. Enter the 6-digit code your authenticator app "
        "shows now, or one of your backup codes."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.wait_seconds = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.device, self.wait_seconds = self.check(code)
        if self.wait_seconds:
            raise forms.ValidationError(
                f"Too many wrong codes. Wait {self.wait_seconds} seconds, then "
                "enter the code your app shows at that moment.",
                code="throttled",
            )
        if self.device is None:
            raise forms.ValidationError(self.wrong_code_message, code="wrong")
        return code

    def check(self, code):
        return two_factor.check_code(self.user, code)

    @property
    def wrong_code(self):
        return self.is_bound and self.has_error("code", "wrong")


class TwoFactorSetupForm(TwoFactorCodeForm):
    """Confirm a new authenticator app with the first code it shows."""

    wrong_code_message = (
        "That code is invalid. Check the app shows Legal CRM with your email "
        "address, then enter the 6-digit code it shows now."
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, user=device.user, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your app shows."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
        self.setup_device = device

    def check(self, code):
        return two_factor.check_setup_code(self.setup_device, code)


class TwoFactorTurnOffForm(TwoFactorCodeForm):
    """Ask for a current code before two-factor sign-in is turned off."""
