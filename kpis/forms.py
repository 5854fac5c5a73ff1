"""Forms of the KPI pages: filters, recomputing, entered values and benchmarks."""

from django import forms
from django.utils import timezone

from accounts.models import Team

from .models import Benchmark, ServiceCost
from .periods import Period, PeriodKind


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(forms.Form):
    """A period, chosen as its kind and any day in it."""

    kind = forms.ChoiceField(
        label="Period", choices=PeriodKind.choices, initial=PeriodKind.MONTH
    )
    on = forms.DateField(
        label="Containing the day",
        required=False,
        widget=DateInput,
        help_text="Any day in the period. Leave empty for the current one.",
    )

    def period(self) -> Period:
        """Return the chosen period. Call it only after ``is_valid()``."""
        day = self.cleaned_data.get("on") or timezone.localdate()
        return Period.containing(self.cleaned_data["kind"], day)


class DashboardFilterForm(PeriodForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Whole service"
    )


class RecomputeForm(PeriodForm):
    def clean_on(self):
        day = self.cleaned_data.get("on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("Choose a day in the past or today.")
        return day


class ManualValueForm(PeriodForm):
    value = forms.CharField(
        max_length=30, help_text="In the KPI's unit, for example 87.5 or 1250.50."
    )
    note = forms.CharField(
        max_length=300, required=False, help_text="Where the figure came from."
    )


class BenchmarkForm(forms.ModelForm):
    on = forms.DateField(
        label="Containing the day", widget=DateInput, help_text="Any day in the period."
    )
    value = forms.CharField(max_length=30, help_text="In the KPI's unit.")

    class Meta:
        model = Benchmark
        fields = ["period_kind", "on", "peer", "value", "source"]
        labels = {"period_kind": "Period"}

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.definition = definition

    def clean_value(self):
        from .services import validate_value

        return validate_value(self.instance.definition.unit, self.cleaned_data["value"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period_kind") and cleaned.get("on"):
            period = Period.containing(cleaned["period_kind"], cleaned["on"])
            self.instance.period_start = period.start
        return cleaned


class BenchmarkImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: kpi_code, period_kind, period_start (YYYY-MM-DD), "
        "peer, value, source. At most 2 MB.",
    )
    all_or_nothing = forms.BooleanField(
        label="Import nothing if any row is invalid", required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(
                "The file is over 2 MB. Split it and try again."
            )
        return upload


class ServiceCostForm(forms.ModelForm):
    class Meta:
        model = ServiceCost
        fields = ["month", "team", "amount", "description"]
        widgets = {"month": DateInput}
        help_texts = {"month": "Any day in the month; the cost counts for the month."}

    def clean_month(self):
        return self.cleaned_data["month"].replace(day=1)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError("Enter an amount of zero or more.")
        return amount
