from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts import audit
from accounts.models import AuditEvent

from .models import AuthorityAim, Benchmark, KpiDefinition, KpiRecord, ServiceCost
from .periods import Period
from .services import validate_value


@admin.register(AuthorityAim)
class AuthorityAimAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "aim", "unit", "target", "frequency", "source"]
    list_filter = ["aim", "unit", "frequency", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["aim"]
    autocomplete_fields = ["owner"]


class AuditedAdmin(admin.ModelAdmin):
    """An admin whose saves and deletions go to the audit trail, as the
    staff pages' do, with the person who entered the row recorded."""

    audited_fields: list[str] = []

    def save_model(self, request, obj, form, change):
        # The form has already changed ``obj``, so the stored row is read again.
        stored = type(obj).objects.get(pk=obj.pk) if change else obj
        before = audit.snapshot(stored, self.audited_fields)
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj, self.audited_fields)
        audit.record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=obj,
            changes=audit.changed_fields(before, after) if change else after,
            request=request,
        )

    def delete_model(self, request, obj):
        audit.record(
            action=AuditEvent.Action.DELETE,
            actor=request.user,
            target=obj,
            changes=audit.snapshot(obj, self.audited_fields),
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class BenchmarkAdminForm(forms.ModelForm):
    """Check the value against the KPI's unit, and move the date to the first
    day of its period."""

    value = forms.CharField(max_length=30, help_text="In the KPI's unit.")

    class Meta:
        model = Benchmark
        fields = [
            "definition",
            "period_kind",
            "period_start",
            "peer",
            "value",
            "source",
        ]
        labels = {"period_kind": "Period", "period_start": "Containing the day"}

    def clean(self):
        cleaned = super().clean()
        definition = cleaned.get("definition")
        if definition is not None and "value" in cleaned:
            try:
                cleaned["value"] = validate_value(definition.unit, cleaned["value"])
            except ValidationError as error:
                self.add_error("value", error)
        if cleaned.get("period_kind") and cleaned.get("period_start"):
            period = Period.containing(cleaned["period_kind"], cleaned["period_start"])
            cleaned["period_start"] = self.instance.period_start = period.start
        return cleaned


@admin.register(Benchmark)
class BenchmarkAdmin(AuditedAdmin):
    form = BenchmarkAdminForm
    list_display = ["definition", "period_kind", "period_start", "peer", "value"]
    list_filter = ["period_kind", "definition"]
    search_fields = ["peer", "definition__code", "definition__name"]
    list_select_related = ["definition"]
    readonly_fields = ["entered_by", "created_at"]
    audited_fields = ["definition", "period_kind", "period_start", "peer", "value"]


class ServiceCostAdminForm(forms.ModelForm):
    class Meta:
        model = ServiceCost
        fields = ["month", "team", "amount", "description"]
        help_texts = {"month": "Any day in the month; the cost counts for the month."}

    def clean_month(self):
        return self.cleaned_data["month"].replace(day=1)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise ValidationError("Enter an amount of zero or more.")
        return amount


@admin.register(ServiceCost)
class ServiceCostAdmin(AuditedAdmin):
    form = ServiceCostAdminForm
    list_display = ["month", "team", "amount", "description", "entered_by"]
    list_filter = ["team", "month"]
    search_fields = ["description", "team__name"]
    list_select_related = ["team", "entered_by"]
    readonly_fields = ["entered_by", "created_at"]
    date_hierarchy = "month"
    audited_fields = ["month", "team", "amount", "description"]


@admin.register(KpiRecord)
class KpiRecordAdmin(admin.ModelAdmin):
    """Records, read-only: the rollup computes them, and hand-entered values go
    through the KPI page's form, which checks them against the unit."""

    list_display = [
        "definition",
        "period_kind",
        "period_start",
        "scope_kind",
        "scope_label",
        "value",
        "is_manual",
        "computed_at",
    ]
    list_filter = ["period_kind", "scope_kind", "is_manual", "definition"]
    search_fields = ["definition__code", "definition__name", "scope_label"]
    list_select_related = ["definition"]
    date_hierarchy = "period_start"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
