from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from .models import (
    AuditEvent,
    PortalInvitation,
    PortalMembership,
    StaffProfile,
    Team,
    User,
)
from .roles import STAFF_ROLES, Role

STAFF_ROLE_NAMES = [role.label for role in STAFF_ROLES]

# Autocomplete requests for these (model, field) pairs offer members of the
# legal service only, so that a client contact cannot be picked as, say, a
# client's relationship owner.
STAFF_ONLY_AUTOCOMPLETE = {
    ("client", "relationship_owner"),
    ("interaction", "staff"),
    ("staffprofile", "user"),
}


def staff_users():
    """Return the users who hold a staff role, active or not."""
    return User.objects.filter(groups__name__in=STAFF_ROLE_NAMES).distinct()


class RoleField(forms.ModelMultipleChoiceField):
    """The user's groups, shown as a list of roles to tick."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Group.objects.order_by("name"),
            required=False,
            label="Roles",
            widget=forms.CheckboxSelectMultiple,
            help_text=(
                "Staff roles open the staff pages. Client (portal) opens the "
                "portal for the organisations under Portal memberships below."
            ),
            **kwargs,
        )


class UserFormMixin:
    """Checks shared by the admin's add and change forms for a user."""

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        duplicates = User.objects.filter(email__iexact=email).exclude(
            pk=self.instance.pk
        )
        if duplicates.exists():
            raise ValidationError(
                "Another account already uses this email address. Open that "
                "account instead, or enter a different address."
            )
        return email

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        names = {group.name for group in groups}
        if Role.CLIENT.label in names and names & set(STAFF_ROLE_NAMES):
            raise ValidationError(
                "Choose either staff roles or Client (portal), not both. A "
                "client contact needs a separate account from any staff account."
            )
        return groups


class UserCreationAdminForm(UserFormMixin, AdminUserCreationForm):
    groups = RoleField()

    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserFormMixin, UserChangeForm):
    groups = RoleField()

    class Meta:
        model = User
        fields = "__all__"


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    max_num = 1
    autocomplete_fields = ["team"]


class PortalMembershipInline(admin.TabularInline):
    model = PortalMembership
    fk_name = "user"
    extra = 1
    autocomplete_fields = ["client"]
    readonly_fields = ["created_at", "created_by"]
    verbose_name_plural = "portal memberships (Client (portal) role only)"


class RoleListFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, role.label) for role in Role]

    def queryset(self, request, queryset):
        if self.value() not in Role.values:
            return queryset
        return queryset.filter(groups__name=Role(self.value()).label)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    inlines = [StaffProfileInline, PortalMembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("full_name",)}),
        (
            "Roles and access",
            {"fields": ("is_active", "groups", "is_staff", "is_superuser")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
        ("Roles and access", {"fields": ("groups", "is_staff")}),
    )
    readonly_fields = ["last_login", "date_joined", "is_superuser"]
    list_display = ["email", "full_name", "role_list", "is_active", "is_staff"]
    list_filter = [RoleListFilter, "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    ordering = ["full_name", "email"]
    filter_horizontal = []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def role_list(self, obj):
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # Only autocomplete requests carry model_name and field_name.
        source = (request.GET.get("model_name"), request.GET.get("field_name"))
        if source in STAFF_ONLY_AUTOCOMPLETE:
            queryset = queryset.filter(groups__name__in=STAFF_ROLE_NAMES)
            may_have_duplicates = True
        return queryset, may_have_duplicates

    def save_formset(self, request, form, formset, change):
        if formset.model is not PortalMembership:
            super().save_formset(request, form, formset, change)
            return

        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership.delete()
        for membership in memberships:
            if membership.pk is None:
                membership.created_by = request.user
            membership.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)

        user = form.instance
        is_client = user.groups.filter(name=Role.CLIENT.label).exists()
        if user.portal_memberships.exists() and not is_client:
            self.message_user(
                request,
                f"{user} has portal memberships but not the Client (portal) "
                "role, so they cannot open the portal. Tick Client (portal), "
                "or remove the memberships.",
                messages.WARNING,
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "job_title",
        "team",
        "hourly_rate",
        "start_date",
        "leave_date",
    ]
    list_select_related = ["user", "team"]
    list_filter = ["team"]
    search_fields = ["user__full_name", "user__email", "job_title"]
    autocomplete_fields = ["user", "team"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = staff_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PortalMembership)
class PortalMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "created_at", "created_by"]
    list_select_related = ["user", "client", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "user__full_name", "client__name"]
    autocomplete_fields = ["user", "client"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone: entries are only ever added."""

    list_display = ["at", "actor", "action", "target_type", "target_repr", "username"]
    list_select_related = ["actor", "target_type"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor__email", "username", "target_repr"]
    date_hierarchy = "at"
    # Counting the whole trail on every page gets slow as it grows.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def is_administrator(request):
    # The admin's sign-in page runs these permission checks for an AnonymousUser too.
    return getattr(request.user, "is_administrator", False)


class LockoutRecordAdminMixin:
    """Open django-axes' sign-in records to administrators.

    The Administrator group was given only the permissions that existed when
    its data migration ran, which excludes django-axes' permissions. Deleting
    an access attempt unlocks the account it names.
    """

    def has_module_permission(self, request):
        return is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request)

    def has_change_permission(self, request, obj=None):
        return False


class AccessAttemptRecordAdmin(LockoutRecordAdminMixin, AccessAttemptAdmin):
    def has_delete_permission(self, request, obj=None):
        return is_administrator(request)


class AccessLogRecordAdmin(LockoutRecordAdminMixin, AccessLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class AccessFailureLogRecordAdmin(LockoutRecordAdminMixin, AccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


# django-axes registers its own admins unless AXES_ENABLE_ADMIN is off.
for _model, _model_admin in [
    (AccessAttempt, AccessAttemptRecordAdmin),
    (AccessLog, AccessLogRecordAdmin),
    (AccessFailureLog, AccessFailureLogRecordAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, _model_admin)


@admin.register(PortalInvitation)
class PortalInvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the client page; the admin only lists them."""

    list_display = ["email", "client", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["client"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "client__name", "contact__full_name"]
    readonly_fields = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
