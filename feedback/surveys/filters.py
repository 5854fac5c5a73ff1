"""Search, filter and sort forms of the survey list pages."""

import django_filters
from django.db.models import Q

from ..models import Survey, SurveyRound, YouSaidWeDid


class StableOrderMixin:
    """Sort by ``default_order`` unless the user chose, with the pk as tiebreak."""

    default_order = ("pk",)

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*self.default_order)
        # A stable tiebreak, so that paging never shows a row twice.
        return queryset.order_by(*queryset.query.order_by, "pk")


class SurveyFilter(StableOrderMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", field_name="title", lookup_expr="icontains"
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("title", "title"),
            ("question_count", "questions"),
            ("round_count", "rounds"),
            ("updated_at", "updated"),
        ),
    )
    default_order = ("title",)

    class Meta:
        model = Survey
        fields = ["q"]


class RoundFilter(StableOrderMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Round or survey name"
    )
    status = django_filters.ChoiceFilter(
        choices=SurveyRound.Status.choices, empty_label="Any status"
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("name", "name"),
            ("status", "status"),
            ("opens_at", "opens"),
            ("closes_at", "closes"),
            ("response_count", "responses"),
        ),
    )
    default_order = ("-opens_at",)

    class Meta:
        model = SurveyRound
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(survey__title__icontains=value)
        )


class YouSaidWeDidFilter(StableOrderMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Text or client name"
    )
    published = django_filters.ChoiceFilter(
        label="Published",
        choices=[("yes", "Published"), ("no", "Not published")],
        empty_label="Either",
        method="filter_published",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("client__name", "client"),
            ("done_on", "done"),
            ("created_at", "created"),
        ),
    )
    default_order = ("-created_at",)

    class Meta:
        model = YouSaidWeDid
        fields = ["q", "published"]

    def filter_published(self, queryset, name, value):
        return queryset.filter(is_published=value == "yes")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(you_said__icontains=value)
            | Q(we_did__icontains=value)
            | Q(client__name__icontains=value)
        )
