from django.contrib import admin

from accounts.audit import AuditedAdminMixin

from .models import (
    Article,
    ArticleAudience,
    ArticleCategory,
    ArticleReviewReminder,
    ArticleVote,
    Feedback,
)

# Guidance library and portal feedback
# ---------------------------------------------------------------------------


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class ArticleAudienceInline(admin.TabularInline):
    model = ArticleAudience
    extra = 0
    verbose_name_plural = "client kinds (for an audience of chosen kinds only)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "status", "audience", "owner", "review_date"]
    list_select_related = ["category", "owner"]
    list_filter = ["status", "audience", "category"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["owner"]
    inlines = [ArticleAudienceInline]


@admin.register(ArticleVote)
class ArticleVoteAdmin(admin.ModelAdmin):
    """Votes are the clients' own words, so the admin only shows them."""

    list_display = ["article", "helpful", "client", "updated_at"]
    list_select_related = ["article", "client"]
    list_filter = ["helpful"]
    search_fields = ["article__title", "comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ArticleReviewReminder)
class ArticleReviewReminderAdmin(admin.ModelAdmin):
    list_display = ["article", "review_date", "recipient", "sent_at"]
    list_select_related = ["article", "recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "client",
        "kind",
        "status",
        "channel",
        "received_at",
        "assigned_to",
    ]
    list_select_related = ["client", "assigned_to"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["subject", "message", "client__name"]
    autocomplete_fields = [
        "client",
        "contact",
        "submitted_by",
        "logged_by",
        "assigned_to",
        "acknowledged_by",
        "responded_by",
        "resolved_by",
    ]
    date_hierarchy = "received_at"
