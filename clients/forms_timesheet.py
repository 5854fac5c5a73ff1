"""The weekly timesheet: a grid of matters by days, saved in one submission."""

from datetime import date, timedelta

from django import forms

from .forms_matters import MinutesField
from .models import Matter

# Blank rows at the foot of the grid, for matters not yet on it.
NEW_ROWS = 2


def cell_name(row_key: str, day: date) -> str:
    return f"cell-{row_key}-{day:%Y%m%d}"


class TimesheetForm(forms.Form):
    """One minutes field per matter and day, and blank rows to add matters.

    Each field validates on its own, so the view can save every valid cell
    and show the invalid ones again with their errors and typed values.
    """

    def __init__(self, *args, matters, monday: date, totals, **kwargs):
        super().__init__(*args, **kwargs)
        self.monday = monday
        self.days = [monday + timedelta(days=n) for n in range(7)]
        self.matters = list(matters)
        self.rows = []
        for matter in self.matters:
            self.rows.append(self._add_row(str(matter.pk), matter, totals))
        for number in range(NEW_ROWS):
            key = f"new{number}"
            self.fields[f"reference-{key}"] = forms.CharField(
                label="Matter reference", required=False, max_length=50
            )
            self.rows.append(self._add_row(key, None, {}))

    def _add_row(self, key, matter, totals):
        names = []
        for day in self.days:
            name = cell_name(key, day)
            label = f"Minutes on {matter.reference if matter else 'the new matter'} "
            label += f"on {day:%A %-d %B}"
            self.fields[name] = MinutesField(label=label, required=False)
            if matter is not None:
                minutes = totals.get((matter.pk, day), {}).get("minutes") or None
                self.initial[name] = minutes
            names.append(name)
        return {"key": key, "matter": matter, "cell_names": names}

    def bound_rows(self):
        """Rows for the template, each with its bound fields in day order."""
        for row in self.rows:
            reference = None if row["matter"] else self[f"reference-{row['key']}"]
            yield {
                **row,
                "reference_field": reference,
                "cells": [self[name] for name in row["cell_names"]],
            }

    def changed_cells(self):
        """Yield ``(row, day, field name, minutes)`` for each valid changed cell."""
        for row in self.rows:
            for day, name in zip(self.days, row["cell_names"], strict=True):
                if name not in self.cleaned_data or name not in self.changed_data:
                    continue
                yield row, day, name, self.cleaned_data[name]

    def new_row_matter(self, row, open_matters: dict[str, Matter]):
        """Return the matter a blank row names, or add an error and return None."""
        field = f"reference-{row['key']}"
        reference = (self.cleaned_data.get(field) or "").strip()
        if not reference:
            self.add_error(field, "Enter the matter's reference for this row.")
            return None
        matter = open_matters.get(reference.casefold())
        if matter is None:
            self.add_error(
                field, f"No open matter has the reference “{reference}”. Check it."
            )
        return matter
