"""Django admin for surveys, rounds, invitations and responses.

Invitations, tokens and responses are read-only here: they are written by
the round launch, the emails and the public answer page, and an edit would
break the counts in the results.
"""

from django.contrib import admin
from django.db.models import Count

from .models import (
    Answer,
    Invitation,
    Question,
    QuestionChoice,
    Response,
    Survey,
    SurveyOptOut,
    SurveyRound,
    YouSaidWeDid,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "text", "required"]
    show_change_link = True


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    inlines = [QuestionInline]
    list_display = ["title", "question_count", "created_by", "updated_at"]
    list_select_related = ["created_by"]
    search_fields = ["title"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, obj):
        return obj.question_count


class QuestionChoiceInline(admin.TabularInline):
    model = QuestionChoice
    extra = 0
    fields = ["position", "label"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    inlines = [QuestionChoiceInline]
    list_display = ["text", "survey", "kind", "position", "required"]
    list_select_related = ["survey"]
    list_filter = ["kind"]
    search_fields = ["text", "survey__title"]
    raw_id_fields = ["survey"]


@admin.register(SurveyRound)
class SurveyRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "survey", "audience", "status", "opens_at", "closes_at"]
    list_select_related = ["survey"]
    list_filter = ["status", "audience", "is_named"]
    search_fields = ["name", "survey__title"]
    raw_id_fields = ["survey", "team", "contacts", "created_by"]
    readonly_fields = ["launched_at", "closed_at", "created_at", "updated_at"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "round",
        "contact",
        "sent_at",
        "reminders_sent",
        "next_reminder_at",
        "responded_at",
    ]
    list_select_related = ["round", "contact"]
    list_filter = ["round__status"]
    search_fields = ["round__name", "contact__full_name"]
    exclude = ["lawyer"]
    readonly_fields = [
        "round",
        "contact",
        "matter_reference",
        "created_at",
        "sent_at",
        "last_emailed_at",
        "next_reminder_at",
        "reminders_sent",
        "responded_at",
    ]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "score", "choice", "text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "choice")


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    inlines = [AnswerInline]
    list_display = ["pk", "round", "client", "client_kind", "submitted_on"]
    list_select_related = ["round", "client"]
    list_filter = ["client_kind", "round__status"]
    search_fields = ["round__name", "client__name"]
    readonly_fields = [
        "round",
        "invitation",
        "client",
        "client_kind",
        "lawyer",
        "team",
        "submitted_on",
        "follow_up",
    ]


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(admin.ModelAdmin):
    list_display = ["contact", "source", "created_at"]
    list_select_related = ["contact"]
    list_filter = ["source"]
    search_fields = ["contact__full_name", "contact__email"]
    raw_id_fields = ["contact"]


@admin.register(YouSaidWeDid)
class YouSaidWeDidAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "round", "is_published", "done_on"]
    list_select_related = ["client", "round"]
    list_filter = ["is_published"]
    search_fields = ["you_said", "we_did", "client__name"]
    raw_id_fields = ["client", "round", "created_by"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
