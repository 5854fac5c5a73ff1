"""Forms of the client portal.

None of them has a field naming an organisation, a user or an article: the
views take those from the request's ``PortalScope``, so an id added to a
posted form is ignored. The one id a form accepts, a matter, is limited to
the scope's matters.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from clients.models import Matter

from .models import Feedback

COMMENT_MAX_LENGTH = 1000
MESSAGE_MAX_LENGTH = 5000


class PortalFeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label="What would you like to tell us?",
        choices=Feedback.Kind.choices,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        help_text="A few words, such as the name of the matter or the service.",
    )
    matter = forms.ModelChoiceField(
        label="Is it about a matter? (optional)",
        queryset=Matter.objects.none(),
        required=False,
        empty_label="No, it is about our service in general",
    )
    message = forms.CharField(
        label="Your message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Tell us what happened, or what you would like. Please do not "
        "include anyone's medical or financial details.",
    )

    def __init__(self, *args, matters, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organisation's own matters are valid choices, so a posted
        # id of another organisation's matter fails as an invalid choice.
        self.fields["matter"].queryset = matters
        self.fields["matter"].label_from_instance = str
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("send", "Send feedback"))


class ArticleVoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label="Was this guidance helpful?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Tell us what was missing or unclear. We read every comment.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("vote", "Send"))


class InvitationPasswordForm(SetPasswordForm):
    """The password a client contact chooses when accepting an invitation.

    ``SetPasswordForm`` checks it against ``AUTH_PASSWORD_VALIDATORS`` with
    the account's details, as the staff password forms do.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type the password again"
