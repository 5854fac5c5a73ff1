from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from accounts.admin import staff_users
from accounts.audit import AuditedAdminMixin

from .models import (
    Client,
    ClientPlan,
    ClientPromiseOverride,
    Contact,
    DigestDelivery,
    HourlyRate,
    ImportIssue,
    ImportJob,
    Interaction,
    KeyAccount,
    Matter,
    MatterType,
    PlanAction,
    PlanNeed,
    PlanObjective,
    RechargeLine,
    RechargeStatement,
    ServicePromise,
    Tag,
    TimeEntry,
)
from .privacy import holds

# Holds are set and lifted on the client, contact and matter pages, which ask
# for a reason and record who set them. The admin only shows them.
LEGAL_HOLD_FIELDS = [
    "legal_hold",
    "legal_hold_reason",
    "legal_hold_set_by",
    "legal_hold_set_at",
]


class StaffOnlyUserFieldsMixin:
    """Limit the named user fields to members of the legal service."""

    staff_user_fields = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.staff_user_fields:
            kwargs["queryset"] = staff_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "client_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(client_count=Count("clients"))

    @admin.display(description="clients", ordering="client_count")
    def client_count(self, obj):
        return obj.client_count


class LegalHoldAdminMixin:
    """Keep the admin from deleting what a legal hold covers, as the staff pages do.

    Django's bulk "delete selected" checks this for every selected record, and
    refuses the whole action when one of them is held.
    """

    def has_delete_permission(self, request, obj=None):
        if obj is not None and holds.holds_blocking_deletion(obj):
            return False
        return super().has_delete_permission(request, obj)


# An inline receives the client whose contacts it lists as ``obj``, and a
# hold that covers the client covers those contacts.
class ContactInline(LegalHoldAdminMixin, admin.TabularInline):
    model = Contact
    extra = 0
    fields = [
        "full_name",
        "job_title",
        "email",
        "phone",
        "preferred_channel",
        "is_primary",
        "is_active",
    ]
    show_change_link = True


@admin.register(Client)
class ClientAdmin(
    LegalHoldAdminMixin, AuditedAdminMixin, StaffOnlyUserFieldsMixin, admin.ModelAdmin
):
    staff_user_fields = ["relationship_owner"]
    inlines = [ContactInline]
    list_display = ["name", "kind", "status", "parent", "relationship_owner"]
    list_select_related = ["parent", "relationship_owner"]
    list_filter = ["kind", "status", "tags"]
    search_fields = ["name", "cost_centre_code"]
    autocomplete_fields = ["parent", "relationship_owner", "tags"]
    readonly_fields = ["created_at", "updated_at", *LEGAL_HOLD_FIELDS]
    fieldsets = [
        (None, {"fields": ["name", "kind", "status", "parent", "tags"]}),
        ("Relationship", {"fields": ["relationship_owner", "cost_centre_code"]}),
        ("Notes", {"fields": ["notes"]}),
        ("Legal hold", {"fields": LEGAL_HOLD_FIELDS}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(Contact)
class ContactAdmin(LegalHoldAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "full_name",
        "client",
        "job_title",
        "email",
        "phone",
        "is_primary",
        "is_active",
    ]
    list_select_related = ["client"]
    list_filter = [
        "is_active",
        "is_primary",
        "preferred_channel",
        "familiarity",
        "lawful_basis",
    ]
    search_fields = ["full_name", "email", "client__name"]
    autocomplete_fields = ["client"]
    readonly_fields = ["created_at", "updated_at", "erased_at", *LEGAL_HOLD_FIELDS]


@admin.register(Interaction)
class InteractionAdmin(
    LegalHoldAdminMixin, AuditedAdminMixin, StaffOnlyUserFieldsMixin, admin.ModelAdmin
):
    staff_user_fields = ["staff"]
    list_display = [
        "occurred_at",
        "client",
        "staff",
        "channel",
        "kind",
        "follow_up_due",
        "follow_up_done",
    ]
    list_select_related = ["client", "staff"]
    list_filter = ["kind", "channel", "follow_up_done", "occurred_at"]
    search_fields = ["summary", "client__name", "staff__full_name", "staff__email"]
    date_hierarchy = "occurred_at"
    autocomplete_fields = ["client", "staff", "contacts"]
    readonly_fields = ["follow_up_done_at", "created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.created_by = request.user
        if "follow_up_done" in form.changed_data:
            obj.follow_up_done_at = timezone.now() if obj.follow_up_done else None
        super().save_model(request, obj, form, change)


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    """Delivery records, read-only because they stop a digest going out twice."""

    list_display = ["day", "kind", "recipient", "item_count", "sent_at"]
    list_select_related = ["recipient"]
    list_filter = ["kind", "day"]
    search_fields = ["recipient__email", "recipient__full_name"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Matters, time and recharges
# ---------------------------------------------------------------------------


@admin.register(ServicePromise)
class ServicePromiseAdmin(admin.ModelAdmin):
    list_display = ["name", "working_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(MatterType)
class MatterTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "default_promise"]
    list_select_related = ["default_promise"]
    search_fields = ["name"]
    autocomplete_fields = ["default_promise"]


@admin.register(ClientPromiseOverride)
class ClientPromiseOverrideAdmin(admin.ModelAdmin):
    list_display = ["client", "matter_type", "promise", "agreed_on"]
    list_select_related = ["client", "matter_type", "promise"]
    list_filter = ["matter_type", "promise"]
    search_fields = ["client__name"]
    autocomplete_fields = ["client", "matter_type", "promise"]


@admin.register(Matter)
class MatterAdmin(
    LegalHoldAdminMixin, AuditedAdminMixin, StaffOnlyUserFieldsMixin, admin.ModelAdmin
):
    staff_user_fields = ["responsible_lawyer"]
    list_display = [
        "reference",
        "title",
        "client",
        "responsible_lawyer",
        "status",
        "opened_on",
        "target_date",
    ]
    list_select_related = ["client", "responsible_lawyer"]
    list_filter = ["status", "matter_type", "team", "is_chargeable"]
    search_fields = ["reference", "title", "client__name"]
    date_hierarchy = "opened_on"
    autocomplete_fields = [
        "client",
        "client_contact",
        "responsible_lawyer",
        "matter_type",
        "service_promise",
    ]
    readonly_fields = ["created_at", "updated_at", *LEGAL_HOLD_FIELDS]


@admin.register(HourlyRate)
class HourlyRateAdmin(StaffOnlyUserFieldsMixin, admin.ModelAdmin):
    """Dated rates. Each time entry keeps the rate it was saved with."""

    staff_user_fields = ["staff"]
    list_display = ["staff", "rate", "effective_from"]
    list_select_related = ["staff"]
    search_fields = ["staff__full_name", "staff__email"]
    date_hierarchy = "effective_from"
    autocomplete_fields = ["staff"]


class TimeEntryAdminForm(forms.ModelForm):
    """Copies the rate in force onto the entry, or shows why there is none."""

    def clean(self):
        from .services_matters import prepare_time_entry

        cleaned = super().clean()
        entry = self.instance
        for name in ("matter", "staff", "worked_on", "minutes", "is_chargeable"):
            if name in cleaned:
                setattr(entry, name, cleaned[name])
        if entry.staff_id and entry.worked_on and entry.minutes:
            try:
                prepare_time_entry(entry)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(TimeEntry)
class TimeEntryAdmin(
    LegalHoldAdminMixin, AuditedAdminMixin, StaffOnlyUserFieldsMixin, admin.ModelAdmin
):
    """Time entries; the rate and amount are copied when an entry is made."""

    staff_user_fields = ["staff"]
    list_display = [
        "worked_on",
        "matter",
        "staff",
        "minutes",
        "is_chargeable",
        "hourly_rate",
        "amount",
    ]
    list_select_related = ["matter", "staff"]
    list_filter = ["is_chargeable", "activity", "from_timesheet"]
    search_fields = ["matter__reference", "staff__full_name", "note"]
    date_hierarchy = "worked_on"
    autocomplete_fields = ["matter", "staff"]
    readonly_fields = [
        "hourly_rate",
        "amount",
        "import_key",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def has_change_permission(self, request, obj=None):
        # An entry on an issued statement is part of a sent document.
        if obj is not None and RechargeLine.objects.filter(time_entry=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and RechargeLine.objects.filter(time_entry=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = TimeEntryAdminForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RechargeLineInline(admin.TabularInline):
    model = RechargeLine
    extra = 0
    fields = [
        "worked_on",
        "matter",
        "staff",
        "minutes",
        "hourly_rate",
        "amount",
        "is_adjustment",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RechargeStatement)
class RechargeStatementAdmin(admin.ModelAdmin):
    """Statements, read-only here: draft and issue them on the staff pages."""

    list_display = ["month", "client", "status", "total", "issued_at"]
    list_select_related = ["client"]
    list_filter = ["status", "month"]
    search_fields = ["client__name", "cost_centre_code"]
    inlines = [RechargeLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ImportIssueInline(admin.TabularInline):
    model = ImportIssue
    extra = 0
    fields = ["row_number", "field", "value", "message"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "file_name",
        "status",
        "total_rows",
        "invalid_rows",
        "created_by",
    ]
    list_select_related = ["created_by"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name"]
    exclude = ["content"]
    inlines = [ImportIssueInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Key accounts and client plans
# ---------------------------------------------------------------------------


@admin.register(KeyAccount)
class KeyAccountAdmin(AuditedAdminMixin, StaffOnlyUserFieldsMixin, admin.ModelAdmin):
    staff_user_fields = ["owner", "sponsor"]
    list_display = ["client", "tier", "owner", "sponsor", "next_review_on", "health"]
    list_select_related = ["client", "owner", "sponsor"]
    list_filter = ["tier", "health"]
    search_fields = ["client__name"]
    autocomplete_fields = ["client"]
    filter_horizontal = ["team"]
    readonly_fields = ["health", "health_reasons", "previous_health"]


class PlanObjectiveInline(admin.TabularInline):
    model = PlanObjective
    extra = 0


class PlanNeedInline(admin.TabularInline):
    model = PlanNeed
    extra = 0
    raw_id_fields = ["source_interaction"]
    exclude = ["created_by"]


class PlanActionInline(admin.TabularInline):
    model = PlanAction
    extra = 0


@admin.register(ClientPlan)
class ClientPlanAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["key_account", "period_start", "version", "status", "agreed_at"]
    list_select_related = ["key_account__client"]
    list_filter = ["status", "period_start"]
    search_fields = ["key_account__client__name"]
    raw_id_fields = ["key_account", "previous_version"]
    readonly_fields = ["agreed_by", "agreed_at", "created_by"]
    inlines = [PlanObjectiveInline, PlanNeedInline, PlanActionInline]
