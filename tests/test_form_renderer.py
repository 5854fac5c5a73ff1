"""The form renderer writes select boxes exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from crm_site.form_renderer import FormRenderer, LongSelect

SELECTS = {
    "escaped labels and a chosen value": (
        forms.Select(choices=[("", "---"), (1, "A & B"), (2, '"quoted"')]),
        1,
        {"class": "form-select", "id": "id_owner"},
    ),
    "groups and boolean attributes": (
        forms.Select(choices=[("Team", [(1, "x"), (2, "y")]), (3, "z")]),
        "2",
        {"required": True, "disabled": False, "data-count": 0},
    ),
    "several chosen and a safe label": (
        forms.SelectMultiple(
            choices=[(1, "a"), (2, mark_safe("<b>b</b>"))], attrs={"size": 8}
        ),
        [1, 2],
        None,
    ),
    "yes, no and unknown": (forms.NullBooleanSelect(), True, None),
    "no options": (forms.Select(choices=[]), None, None),
}


@pytest.mark.parametrize("case", SELECTS)
def test_select_markup_matches_django_templates(case):
    widget, value, attrs = SELECTS[case]
    expected = widget.render("field<", value, attrs, renderer=DjangoTemplates())

    written = widget.render("field<", value, attrs, renderer=FormRenderer())

    assert written == expected


def test_other_widgets_use_django_templates():
    widget = forms.TextInput(attrs={"class": "form-control"})

    written = widget.render("name", "Ann & Bo", renderer=FormRenderer())

    assert written == widget.render("name", "Ann & Bo", renderer=DjangoTemplates())


def test_select_with_own_option_template_uses_templates():
    class RadioLikeSelect(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = RadioLikeSelect(choices=[(1, "a")])

    written = widget.render("pick", 1, renderer=FormRenderer())

    assert written == widget.render("pick", 1, renderer=DjangoTemplates())


@pytest.mark.parametrize("value", [None, "", 2, "2", "9"])
def test_long_select_matches_django_select(value):
    choices = [
        ("", gettext_lazy("Anyone")),
        (1, "Ann & Bo"),
        (2, "<Cy>"),
        (3, mark_safe("<b>Di</b>")),
    ]
    attrs = {"class": "form-select", "id": "id_lawyer", "required": True}
    expected = forms.Select(choices=choices).render(
        "lawyer", value, attrs, renderer=DjangoTemplates()
    )

    written = LongSelect(choices=choices).render("lawyer", value, attrs)

    assert written == expected
