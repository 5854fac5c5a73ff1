from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from accounts.admin import staff_users

from .models import Client, Contact, DigestDelivery, Interaction, Tag


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


class ContactInline(admin.TabularInline):
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
class ClientAdmin(StaffOnlyUserFieldsMixin, admin.ModelAdmin):
    staff_user_fields = ["relationship_owner"]
    inlines = [ContactInline]
    list_display = ["name", "kind", "status", "parent", "relationship_owner"]
    list_select_related = ["parent", "relationship_owner"]
    list_filter = ["kind", "status", "tags"]
    search_fields = ["name", "cost_centre_code"]
    autocomplete_fields = ["parent", "relationship_owner", "tags"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "status", "parent", "tags"]}),
        ("Relationship", {"fields": ["relationship_owner", "cost_centre_code"]}),
        ("Notes", {"fields": ["notes"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
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
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Interaction)
class InteractionAdmin(StaffOnlyUserFieldsMixin, admin.ModelAdmin):
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
