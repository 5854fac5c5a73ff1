"""A form renderer that writes select boxes in Python instead of templates.

Django renders a select box by including one template per option. A filter
of a large legal service's staff has hundreds of options, and rendering them
took about half of a list page's server time in a profile. This renderer
writes the same markup as Django's own select templates, byte for byte, in a
single pass. Any other widget, or a select with its own templates, goes to
Django's renderer as before.
"""

import html

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT_TEMPLATE and _plain_options(widget):
            return render_select(widget)
        return super().render(template_name, context, request=request)


def _plain_options(widget) -> bool:
    return widget is not None and all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def render_select(widget: dict) -> str:
    """Return the select box Django's templates would write for ``widget``."""
    parts = [f'<select name="{_escape(widget["name"])}"']
    parts.append(_attributes(widget["attrs"]) + ">")
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        parts.extend(
            _option(option["value"], _attributes(option["attrs"]), option["label"])
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


class LongSelect(forms.Select):
    """A select box for long lists of plain options, such as every member of staff.

    Django builds a dictionary for each option before any template runs,
    which costs more than the markup at several hundred options. This widget
    writes the same markup straight from its choices. It has no option
    groups and no attributes on options, as the lists it is meant for.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        values = self.format_value(value)
        parts = [f'<select name="{_escape(name)}"{_attributes(attrs)}>']
        chosen = False
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            # As Django's Select: only the first option with the value is chosen.
            selected = not chosen and text in values
            chosen = chosen or selected
            parts.append(_option(text, " selected" if selected else "", label))
        parts.append("\n</select>")
        return mark_safe("".join(parts))


def _option(value, attributes: str, label) -> str:
    # select.html puts each option on a line of its own, after two spaces,
    # and select_option.html ends with a line break of its own.
    tag = f'<option value="{_escape(value)}"{attributes}>{_escape(label)}</option>'
    return f"\n  {tag}\n"


def _attributes(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out and
    # True writes its name alone.
    written = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            written.append(f" {_escape(name)}")
        else:
            written.append(f' {_escape(name)}="{_escape(value)}"')
    return "".join(written)


def _escape(text) -> str:
    # As conditional_escape, and stringformat:'s' before it, treat text: a safe
    # string as it is, anything else escaped. This skips conditional_escape's
    # check for lazy strings, which took longer than the escaping itself at
    # hundreds of options.
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))
