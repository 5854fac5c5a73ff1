"""Forms of the matter and time entry pages."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone

from accounts.models import Team

from .forms import DateInput, legal_staff
from .models import MAX_ENTRY_MINUTES, Client, Matter, MatterType, TimeEntry

_HOURS_AND_MINUTES = re.compile(
    r"^(?:(?P<hours>\d+)\s*(?:h|hr|hrs|hours?|:))?\s*(?P<minutes>\d+)?\s*(?:m|mins?|minutes?)?$",
    re.IGNORECASE,
)


def parse_minutes(text: str) -> int:
    """Parse ``90``, ``1:30``, ``1h30`` or ``1h 30m`` as a whole number of minutes.

    Raises ``ValueError`` for anything else.
    """
    cleaned = text.strip()
    match = _HOURS_AND_MINUTES.match(cleaned)
    if not cleaned or not match or not (match["hours"] or match["minutes"]):
        raise ValueError(f"{text!r} is not a number of minutes")
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"] or 0)
    if match["hours"] and minutes >= 60:
        raise ValueError(f"{text!r} has 60 or more minutes after the hours")
    return hours * 60 + minutes


class MinutesField(forms.Field):
    """Whole minutes, typed as ``90``, ``1:30`` or ``1h 30m``."""

    widget = forms.TextInput

    default_error_messages = {
        "invalid": "Enter whole minutes, such as 90, or hours and minutes, "
        "such as 1:30.",
        "range": f"Enter between 1 and {MAX_ENTRY_MINUTES} minutes (24 hours).",
    }

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "numeric", "maxlength": 20}

    def to_python(self, value):
        if isinstance(value, int):
            return value
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        try:
            minutes = parse_minutes(text)
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"]) from error
        if not 1 <= minutes <= MAX_ENTRY_MINUTES:
            raise forms.ValidationError(self.error_messages["range"])
        return minutes


class MatterForm(forms.ModelForm):
    class Meta:
        model = Matter
        fields = [
            "reference",
            "title",
            "client_contact",
            "matter_type",
            "team",
            "responsible_lawyer",
            "opened_on",
            "is_chargeable",
            "service_promise",
            "target_date",
        ]
        widgets = {"opened_on": DateInput(), "target_date": DateInput()}
        help_texts = {
            "service_promise": "Leave blank for the promise agreed with this "
            "client for the matter type, or the type's default.",
            "target_date": "Leave blank to work it out from the promise.",
        }

    def __init__(self, *args, client: Client, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        self.fields["client_contact"].queryset = client.contacts.order_by("full_name")
        self.fields["matter_type"].queryset = MatterType.objects.select_related(
            "default_promise"
        )
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["responsible_lawyer"].queryset = legal_staff()
        self.fields["service_promise"].queryset = self.fields[
            "service_promise"
        ].queryset.filter(is_active=True)
        if not self.instance.pk:
            self.initial.setdefault("responsible_lawyer", user.pk)
            team_id = getattr(getattr(user, "profile", None), "team_id", None)
            self.initial.setdefault("team", team_id)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("reference", css_class="col-md-4"), Column("title")),
            Row(Column("matter_type"), Column("client_contact")),
            Row(Column("team"), Column("responsible_lawyer")),
            Row(Column("opened_on"), Column("is_chargeable")),
            Row(Column("service_promise"), Column("target_date")),
        )


class QuickTimeForm(forms.ModelForm):
    """The "record time" form on the matter page, for the signed-in user."""

    minutes = MinutesField(help_text="Such as 90 or 1:30.")

    class Meta:
        model = TimeEntry
        fields = ["worked_on", "minutes", "activity", "is_chargeable", "note"]
        widgets = {"worked_on": DateInput()}

    def __init__(self, *args, matter: Matter, user, **kwargs):
        super().__init__(*args, prefix="time", **kwargs)
        self.instance.matter = matter
        if not self.instance.pk:
            self.instance.staff = user
            self.initial.setdefault("worked_on", timezone.localdate())
            self.initial.setdefault("is_chargeable", matter.is_chargeable)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("worked_on"), Column("minutes"), Column("activity")),
            "note",
            "is_chargeable",
            Submit("record", "Record time", css_class="btn-primary"),
        )


class CloseMatterForm(forms.Form):
    closed_on = forms.DateField(label="Closed on", widget=DateInput())
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Not recorded"), *Matter.Outcome.choices],
        required=False,
        help_text="Whether the matter achieved what the client needed. It "
        "counts towards the successful outcomes KPI.",
    )

    def __init__(self, *args, matter: Matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.initial.setdefault("closed_on", timezone.localdate())

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on < self.matter.opened_on:
            raise forms.ValidationError(
                f"The matter opened on {self.matter.opened_on:%d/%m/%Y}. Enter "
                "that date or a later one."
            )
        if closed_on > timezone.localdate():
            raise forms.ValidationError("Enter today's date or an earlier one.")
        return closed_on


class PromiseMetForm(forms.Form):
    met_on = forms.DateField(label="Promise met on", widget=DateInput())

    def __init__(self, *args, matter: Matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.initial.setdefault("met_on", timezone.localdate())

    def clean_met_on(self):
        met_on = self.cleaned_data["met_on"]
        if met_on < self.matter.opened_on:
            raise forms.ValidationError(
                "The promise cannot be met before the matter was opened."
            )
        if met_on > timezone.localdate():
            raise forms.ValidationError("Enter today's date or an earlier one.")
        return met_on


class ChooseClientForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.exclude(status=Client.Status.FORMER).order_by("name"),
        empty_label="Choose a client",
    )
