"""Forms of the key account and client plan pages."""

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from accounts.roles import Role
from kpis.models import AuthorityAim

from .forms import DateInput, legal_staff
from .models import ClientPlan, KeyAccount, PlanAction, PlanNeed, PlanObjective
from .models.key_accounts import financial_year_label, financial_year_start


def _helper(layout=None):
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout is not None:
        helper.layout = layout
    return helper


def staff_with_role(*roles):
    return legal_staff().filter(groups__name__in=[role.label for role in roles])


class KeyAccountForm(forms.ModelForm):
    class Meta:
        model = KeyAccount
        fields = [
            "tier",
            "owner",
            "sponsor",
            "team",
            "contact_frequency_days",
            "review_frequency_months",
            "next_review_on",
            "reason",
        ]
        widgets = {
            "next_review_on": DateInput(),
            "team": forms.CheckboxSelectMultiple,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "contact_frequency_days": "Agreed contact frequency, in days",
            "review_frequency_months": "Review frequency, in months",
        }

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        self.fields["owner"].queryset = staff_with_role(Role.LAWYER)
        self.fields["sponsor"].queryset = staff_with_role(Role.SENIOR_LEGAL_MANAGER)
        self.fields["team"].queryset = legal_staff()
        self.helper = _helper(
            Layout(
                "tier",
                Row(Column("owner"), Column("sponsor")),
                Row(
                    Column("contact_frequency_days"),
                    Column("review_frequency_months"),
                    Column("next_review_on"),
                ),
                "reason",
                "team",
            )
        )


def period_choices(today):
    """Return the last, this and next financial year as (1 April, label) choices."""
    this_year = financial_year_start(today)
    starts = [this_year.replace(year=this_year.year + step) for step in (-1, 0, 1)]
    return [(start.isoformat(), financial_year_label(start)) for start in starts]


class PlanStartForm(forms.Form):
    period_start = forms.TypedChoiceField(
        label="Financial year",
        coerce=date.fromisoformat,
        help_text="Plans run from 1 April to 31 March.",
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = period_choices(today)
        self.initial.setdefault("period_start", financial_year_start(today).isoformat())
        self.helper = _helper()


class PlanForm(forms.ModelForm):
    class Meta:
        model = ClientPlan
        fields = [
            "vision",
            "preferred_channel",
            "contact_frequency",
            "advice_format",
            "reporting",
            "problems_and_risks",
            "service_promises",
            "review_on",
        ]
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "reporting": forms.Textarea(attrs={"rows": 2}),
            "problems_and_risks": forms.Textarea(attrs={"rows": 3}),
            "service_promises": forms.Textarea(attrs={"rows": 3}),
            "review_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Layout(
                "vision",
                Row(
                    Column("preferred_channel"),
                    Column("contact_frequency"),
                    Column("advice_format"),
                ),
                "reporting",
                "problems_and_risks",
                "service_promises",
                "review_on",
            )
        )


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = PlanObjective
        fields = ["description", "aim"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["aim"].queryset = AuthorityAim.objects.filter(active=True)
        self.helper = _helper(Layout(Row(Column("description"), Column("aim"))))


class NeedForm(forms.ModelForm):
    class Meta:
        model = PlanNeed
        fields = ["description"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.helper = _helper()


class ActionForm(forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["description", "owner", "due_on", "status", "shared_with_client"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["owner"].queryset = legal_staff()
        self.helper = _helper(
            Layout(
                "description",
                Row(Column("owner"), Column("due_on"), Column("status")),
                "shared_with_client",
            )
        )


class ActionStatusForm(forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class NeedsFromInteractionForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="Draft plan", queryset=ClientPlan.objects.none(), empty_label=None
    )
    needs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One need a line. Each line becomes a need in the plan.",
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda plan: (
            f"{plan.period_label}, version {plan.version}"
        )
        self.helper = _helper()

    def clean_needs(self):
        lines = [line.strip() for line in self.cleaned_data["needs"].splitlines()]
        needs = [line for line in lines if line]
        if not needs:
            raise forms.ValidationError("Enter at least one need, one a line.")
        too_long = [line for line in needs if len(line) > 300]
        if too_long:
            raise forms.ValidationError(
                "Keep each need to 300 characters or fewer, or split it over two lines."
            )
        return needs


class HandoverForm(forms.Form):
    successor = forms.ModelChoiceField(
        queryset=None,
        help_text="Takes over the leaver's accounts, team places and open "
        "plan actions.",
    )

    def __init__(self, *args, leaver, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = legal_staff().exclude(pk=leaver.pk)
        self.helper = _helper()
