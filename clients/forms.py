import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.roles import STAFF_ROLES
from crm_site.form_renderer import LongSelect

from .models import Client, Contact, Interaction, Tag

User = get_user_model()


def legal_staff(*, keeping: int | None = None, named_in=None):
    """Active members of the legal service, for owner and staff choices.

    ``keeping`` adds the user already chosen on a record, so that saving the
    record of someone who has left keeps them rather than emptying the field.
    ``named_in`` is a (model, field) pair such as ``(Matter,
    "responsible_lawyer")``: anyone that field names is listed too, so that
    a list can still be filtered by someone who has left.
    """
    staff = User.objects.filter(
        is_active=True, groups__name__in=[role.label for role in STAFF_ROLES]
    )
    if keeping is None and named_in is None:
        return staff.distinct().order_by("full_name")
    chosen = Q(pk__in=staff.values("pk"))
    if keeping is not None:
        chosen |= Q(pk=keeping)
    if named_in is not None:
        model, field = named_in
        # EXISTS, rather than IN, so that PostgreSQL looks up each former
        # member of staff in the field's index instead of reading every row.
        chosen |= Q(Exists(model.objects.filter(**{field: OuterRef("pk")})))
    return User.objects.filter(chosen).order_by("full_name")


class StaffChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices of staff read as (id, name) rows, without a User object each.

    A large service has hundreds of staff, and building a model instance for
    each option was a visible part of every page with a staff filter. Anyone
    who has left is marked so.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list("pk", "full_name", "email", "is_active")
        for pk, full_name, email, is_active in rows:
            # As User.__str__ shows them.
            name = full_name or email
            yield (pk, name if is_active else f"{name} (left)")


class StaffChoiceField(forms.ModelChoiceField):
    iterator = StaffChoiceIterator
    widget = LongSelect


class StaffChoiceFilterField(django_filters.fields.ModelChoiceField):
    iterator = StaffChoiceIterator
    widget = LongSelect


class StaffChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by member of staff, listing those named in the field who have left.

    ``named_in_model`` is the filtered model, whose ``field_name`` names them.
    """

    field_class = StaffChoiceFilterField

    def __init__(self, *args, named_in_model, **kwargs):
        named_in = (named_in_model, kwargs["field_name"])
        kwargs.setdefault("queryset", lambda request: legal_staff(named_in=named_in))
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in a browser's ``datetime-local`` input."""

    widget = DateTimeInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]


class ClientForm(forms.ModelForm):
    tag_names = forms.CharField(
        label="Tags",
        required=False,
        max_length=500,
        help_text="Separate tags with commas, for example: academy trust, SEND.",
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "kind",
            "status",
            "parent",
            "relationship_owner",
            "cost_centre_code",
            "notes",
        ]
        field_classes = {"relationship_owner": StaffChoiceField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Client.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.initial.setdefault(
                "tag_names", ", ".join(tag.name for tag in self.instance.tags.all())
            )
        self.fields["parent"].queryset = parents
        self.fields["relationship_owner"].queryset = legal_staff(
            keeping=self.instance.relationship_owner_id
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "name",
            Row(Column("kind"), Column("status")),
            Row(Column("parent"), Column("relationship_owner")),
            "cost_centre_code",
            "tag_names",
            "notes",
        )

    def clean_tag_names(self):
        names = self.cleaned_data["tag_names"].split(",")
        tags = sorted({" ".join(name.split()) for name in names} - {""})
        too_long = [
            name for name in tags if len(name) > Tag._meta.get_field("name").max_length
        ]
        if too_long:
            raise forms.ValidationError(
                "Keep each tag to 50 characters or fewer: %(tags)s",
                params={"tags": ", ".join(too_long)},
            )
        return tags

    def save(self, commit=True):
        client = super().save(commit=commit)
        if commit:
            self.save_tags(client)
        return client

    def save_tags(self, client):
        tags = [
            Tag.objects.get_or_create(name=name)[0]
            for name in self.cleaned_data["tag_names"]
        ]
        client.tags.set(tags)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "full_name",
            "job_title",
            "email",
            "phone",
            "preferred_channel",
            "familiarity",
            "lawful_basis",
            "is_primary",
            "is_active",
        ]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }
        help_texts = {
            "is_primary": "Making this the primary contact replaces the current one.",
        }

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("full_name"), Column("job_title")),
            Row(Column("email"), Column("phone")),
            Row(Column("preferred_channel"), Column("familiarity")),
            "lawful_basis",
            Row(Column("is_primary"), Column("is_active")),
        )


class InteractionForm(forms.ModelForm):
    """The full contact log form, with every field of an interaction."""

    occurred_at = LocalDateTimeField(label="When")

    class Meta:
        model = Interaction
        fields = [
            "occurred_at",
            "channel",
            "kind",
            "staff",
            "contacts",
            "summary",
            "outcome",
            "follow_up_action",
            "follow_up_due",
            "follow_up_done",
        ]
        field_classes = {"staff": StaffChoiceField}
        widgets = {
            "contacts": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "follow_up_due": DateInput(),
        }
        labels = {
            "staff": "Staff member",
            "contacts": "Contacts involved",
            "follow_up_action": "Follow-up action",
            "follow_up_done": "Follow-up done",
        }

    def __init__(self, *args, client, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        if not self.instance.pk:
            self.instance.staff = user
            self.instance.created_by = user
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            self.initial.setdefault("staff", user.pk)
        contacts = client.contacts.filter(is_active=True)
        if self.instance.pk:
            contacts = client.contacts.filter(is_active=True) | client.contacts.filter(
                interactions=self.instance
            )
        self.fields["contacts"].queryset = contacts.distinct().order_by("full_name")
        if "staff" in self.fields:
            self.fields["staff"].queryset = legal_staff(keeping=self.instance.staff_id)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self.build_layout()

    def build_layout(self):
        return Layout(
            Row(Column("occurred_at"), Column("channel"), Column("kind")),
            "staff",
            "contacts",
            "summary",
            "outcome",
            Row(
                Column("follow_up_action", css_class="col-md-8"),
                Column("follow_up_due"),
            ),
            "follow_up_done",
        )


class QuickLogForm(InteractionForm):
    """The short form on the client page: the signed-in lawyer logs a contact.

    Fields come in the order a lawyer fills them after a call or meeting, so
    the whole form can be completed with the Tab key alone.
    """

    class Meta(InteractionForm.Meta):
        fields = [
            "channel",
            "kind",
            "occurred_at",
            "contacts",
            "summary",
            "outcome",
            "follow_up_action",
            "follow_up_due",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="log", **kwargs)
        self.fields["summary"].widget.attrs["placeholder"] = "What was discussed"
        self.fields["outcome"].widget.attrs["rows"] = 2

    def build_layout(self):
        return Layout(
            Row(Column("channel"), Column("kind"), Column("occurred_at")),
            "contacts",
            "summary",
            "outcome",
            Row(
                Column("follow_up_action", css_class="col-md-8"),
                Column("follow_up_due"),
            ),
            Submit("log", "Log contact", css_class="btn-primary"),
        )
