"""Staff forms for guidance articles, the feedback queue and viewing as a client."""

from datetime import timedelta

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from clients.forms import DateInput, LocalDateTimeField, legal_staff
from clients.models import Client, Contact, Matter

from .models import Article, ArticleCategory, Feedback
from .portal_scope import portal_users_of


def _helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


# Guidance articles
# ---------------------------------------------------------------------------


class ArticleForm(forms.ModelForm):
    audience_kinds = forms.MultipleChoiceField(
        label="Kinds of client",
        choices=Client.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only with an audience of chosen kinds of client.",
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "category",
            "audience",
            "audience_kinds",
            "body",
            "status",
            "owner",
            "review_date",
        ]
        widgets = {
            "audience": forms.RadioSelect,
            "body": forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
            "review_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = legal_staff()
        if self.instance.pk:
            self.initial.setdefault(
                "audience_kinds",
                [item.kind for item in self.instance.audience_kinds.all()],
            )
        self.helper = _helper()
        self.helper.layout = Layout(
            Row(
                Column("title", css_class="col-md-7"),
                Column("slug", css_class="col-md-5"),
            ),
            "summary",
            Row(
                Column("category", css_class="col-md-4"),
                Column("status", css_class="col-md-4"),
                Column("review_date", css_class="col-md-4"),
            ),
            "owner",
            Row(
                Column("audience", css_class="col-md-5"),
                Column("audience_kinds", css_class="col-md-7"),
            ),
            "body",
        )

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("audience") == Article.Audience.CHOSEN_KINDS
        if chosen and not cleaned.get("audience_kinds"):
            self.add_error(
                "audience_kinds",
                "Tick at least one kind of client, or choose All clients.",
            )
        return cleaned


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Title, summary or text"
    )
    status = django_filters.ChoiceFilter(
        choices=Article.Status.choices, empty_label="Any status"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=ArticleCategory.objects.all(), empty_label="Any category"
    )
    review = django_filters.ChoiceFilter(
        label="Review",
        choices=[("due", "Review date passed")],
        method="filter_review",
        empty_label="Any review date",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("title", "title"),
            ("category__name", "category"),
            ("status", "status"),
            ("review_date", "review_date"),
            ("helpful_count", "helpful"),
            ("updated_at", "updated"),
        ),
    )

    class Meta:
        model = Article
        fields = ["q", "status", "category", "review"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(summary__icontains=value)
            | Q(body__icontains=value)
        )

    def filter_review(self, queryset, name, value):
        return queryset.review_due(timezone.localdate()) if value == "due" else queryset

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("title")
        return queryset.order_by(*queryset.query.order_by, "pk")


def articles_with_counts():
    return Article.objects.select_related("category", "owner").annotate(
        helpful_count=Count("votes", filter=Q(votes__helpful=True)),
        unhelpful_count=Count("votes", filter=Q(votes__helpful=False)),
    )


class ArticleCategoryForm(forms.ModelForm):
    class Meta:
        model = ArticleCategory
        fields = ["name", "slug", "description", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


# Feedback queue
# ---------------------------------------------------------------------------


class FeedbackLogForm(forms.Form):
    """Feedback a member of staff received by phone, letter, email or in person."""

    kind = forms.ChoiceField(choices=Feedback.Kind.choices)
    channel = forms.ChoiceField(
        label="Received by",
        choices=[
            c for c in Feedback.Channel.choices if c[0] != Feedback.Channel.PORTAL
        ],
    )
    received_at = LocalDateTimeField(label="Received at")
    contact = forms.ModelChoiceField(
        label="From",
        queryset=Contact.objects.none(),
        required=False,
        empty_label="Not a recorded contact",
    )
    matter = forms.ModelChoiceField(
        label="About matter",
        queryset=Matter.objects.none(),
        required=False,
        empty_label="The service in general",
    )
    subject = forms.CharField(max_length=200)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the client said, in their words where you can.",
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["contact"].queryset = client.contacts.order_by("full_name")
        self.fields["matter"].queryset = client.matters.order_by("-opened_on")
        self.initial.setdefault("received_at", timezone.localtime().replace(second=0))
        self.helper = _helper()
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-md-4"),
                Column("channel", css_class="col-md-4"),
                Column("received_at", css_class="col-md-4"),
            ),
            Row(
                Column("contact", css_class="col-md-6"),
                Column("matter", css_class="col-md-6"),
            ),
            "subject",
            "message",
        )

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError("Feedback cannot be received in the future.")
        return received_at


class ClientChoiceForm(forms.Form):
    client = forms.ModelChoiceField(
        label="Client organisation",
        queryset=Client.objects.order_by("name"),
        help_text="The organisation the feedback is from.",
    )


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(
        label="Handled by",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody yet",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = legal_staff()
        self.helper = _helper()


class RespondForm(forms.Form):
    response = forms.CharField(
        label="Response to the client",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The client sees this in the portal exactly as written.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class FeedbackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Subject, message or client"
    )
    kind = django_filters.ChoiceFilter(
        choices=Feedback.Kind.choices, empty_label="Any kind"
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", "Not resolved"), *Feedback.Status.choices],
        method="filter_status",
        empty_label="Any status",
    )
    handler = django_filters.ChoiceFilter(
        label="Handled by",
        choices=[("me", "Me"), ("nobody", "Nobody yet")],
        method="filter_handler",
        empty_label="Anyone",
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue complaints only",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("received_at", "received"),
            ("client__name", "client"),
            ("kind", "kind"),
            ("status", "status"),
            ("resolve_due", "resolve_due"),
        ),
    )

    class Meta:
        model = Feedback
        fields = ["q", "kind", "status", "handler", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(message__icontains=value)
            | Q(client__name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        return queryset.filter(status=value)

    def filter_handler(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.request.user)
        if value == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("-received_at")
        return queryset.order_by(*queryset.query.order_by, "-pk")


# Viewing the portal as a client
# ---------------------------------------------------------------------------


class ViewAsClientForm(forms.Form):
    client = forms.ModelChoiceField(
        label="Organisation",
        queryset=Client.objects.filter(portal_memberships__isnull=False)
        .distinct()
        .order_by("name"),
        help_text="Organisations with at least one portal user.",
    )
    portal_user = forms.ModelChoiceField(
        label="As portal user (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="The organisation as a whole",
        help_text="Choose a user to see their own feedback too.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["portal_user"].queryset = User.objects.filter(
            portal_memberships__isnull=False, is_active=True
        ).distinct()
        self.fields["portal_user"].label_from_instance = lambda user: (
            f"{user.full_name} ({user.email})"
        )
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client")
        portal_user = cleaned.get("portal_user")
        if client and portal_user:
            if not portal_users_of(client).filter(pk=portal_user.pk).exists():
                self.add_error(
                    "portal_user",
                    f"{portal_user.full_name} is not a portal user of {client}. "
                    "Choose one of its users, or the organisation as a whole.",
                )
        return cleaned
