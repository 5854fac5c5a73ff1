"""Staff forms of the survey builder, rounds, results filters and you said, we did."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone

from accounts.models import Team
from clients.forms import (
    DateInput,
    LocalDateTimeField,
    StaffChoiceField,
    legal_staff,
)
from clients.models import Client

from ..models import Invitation, Question, Survey, SurveyRound, YouSaidWeDid
from .rounds import reachable_contacts

MAX_CHOICES = 20


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class QuestionForm(forms.ModelForm):
    choice_labels = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Single and multiple choice questions only: one choice a line, "
        f"2 to {MAX_CHOICES} choices.",
    )

    class Meta:
        model = Question
        fields = ["kind", "text", "help_text", "required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            labels = self.instance.choices.values_list("label", flat=True)
            self.initial.setdefault("choice_labels", "\n".join(labels))
        self.helper = _helper("kind", "text", "help_text", "choice_labels", "required")

    def clean_choice_labels(self):
        lines = self.cleaned_data["choice_labels"].splitlines()
        labels = list(dict.fromkeys(" ".join(line.split()) for line in lines))
        return [label for label in labels if label]

    def clean(self):
        cleaned = super().clean()
        labels = cleaned.get("choice_labels") or []
        if cleaned.get("kind") in Question.CHOICE_KINDS:
            if not 2 <= len(labels) <= MAX_CHOICES:
                self.add_error(
                    "choice_labels",
                    f"Enter 2 to {MAX_CHOICES} different choices, one a line. "
                    f"There are {len(labels)}.",
                )
            too_long = [label for label in labels if len(label) > 200]
            if too_long:
                self.add_error(
                    "choice_labels", "Keep each choice to 200 characters or fewer."
                )
        return cleaned


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}, {obj.client.name}"


class RoundForm(forms.ModelForm):
    client_kinds = forms.MultipleChoiceField(
        label="Client kinds",
        choices=Client.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="With the audience “Clients of chosen kinds”.",
    )
    contacts = ContactChoiceField(
        label="Contacts to invite",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="With the audience “Named contacts”. Contacts without an email "
        "address or who opted out are not listed.",
    )
    opens_at = LocalDateTimeField(label="Opens")
    closes_at = LocalDateTimeField(label="Closes")

    class Meta:
        model = SurveyRound
        fields = [
            "survey",
            "name",
            "audience",
            "client_kinds",
            "team",
            "contacts",
            "opens_at",
            "closes_at",
            "max_reminders",
            "reminder_interval_days",
            "is_named",
        ]
        widgets = {"audience": forms.RadioSelect}
        help_texts = {"team": "With the audience “Clients of one team”."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.filter(
            questions__isnull=False
        ).distinct()
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["contacts"].queryset = (
            reachable_contacts()
            .select_related("client")
            .order_by("client__name", "full_name")
        )
        if self.initial.get("opens_at") is None:
            # model_to_dict puts None here for a new round.
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial["opens_at"] = now
            self.initial["closes_at"] = now + timedelta(days=28)
        self.fields["audience"].choices = SurveyRound.Audience.choices
        self.helper = _helper(
            Row(Column("survey"), Column("name")),
            "audience",
            "client_kinds",
            Row(Column("team"), Column("contacts")),
            Row(Column("opens_at"), Column("closes_at")),
            Row(Column("max_reminders"), Column("reminder_interval_days")),
            "is_named",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == SurveyRound.Audience.CONTACTS and not cleaned.get(
            "contacts"
        ):
            self.add_error("contacts", "Choose at least one contact.")
        return cleaned


class ResultsFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Client kind",
        choices=[("", "Any kind"), *Client.Kind.choices],
        required=False,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="Any team"
    )
    lawyer = StaffChoiceField(queryset=None, required=False, empty_label="Any lawyer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lawyer"].queryset = legal_staff(named_in=(Invitation, "lawyer"))

    def filters(self) -> dict:
        """Return the chosen filters that are valid.

        The form shows the errors of the others beside their fields.
        """
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}


class YouSaidWeDidForm(forms.ModelForm):
    class Meta:
        model = YouSaidWeDid
        fields = ["client", "round", "you_said", "we_did", "done_on", "is_published"]
        widgets = {
            "you_said": forms.Textarea(attrs={"rows": 3}),
            "we_did": forms.Textarea(attrs={"rows": 3}),
            "done_on": DateInput(),
        }
        labels = {"round": "Survey round"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.order_by("name")
        self.fields["client"].empty_label = "Every client"
        self.fields["round"].queryset = SurveyRound.objects.exclude(
            status=SurveyRound.Status.DRAFT
        ).order_by("-opens_at")
        self.helper = _helper(
            Row(Column("client"), Column("round")),
            "you_said",
            "we_did",
            Row(Column("done_on"), Column("is_published")),
        )
