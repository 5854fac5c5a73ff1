"""The weekly timesheet of one lawyer: a grid of matters by days."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.access import StaffRequiredMixin
from accounts.models import User

from . import selectors_matters, services_matters
from .forms import legal_staff
from .forms_timesheet import TimesheetForm
from .models import Matter

# The grid links the weeks either side of the one shown, so a week must have
# whole weeks around it within the dates Python can hold.
EARLIEST_DAY = date.min + timedelta(days=14)
LATEST_DAY = date.max - timedelta(days=14)


def _monday_from(text: str | None) -> date:
    try:
        day = date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        day = timezone.localdate()
    return selectors_matters.week_start(day)


class TimesheetView(StaffRequiredMixin, View):
    """The grid: GET shows the week, and POST saves every valid cell and shows the
    rest again with their errors."""

    permission_required = "clients.add_timeentry"
    template_name = "clients/matters/timesheet.html"

    def get(self, request):
        staff, monday = self._staff(request), _monday_from(request.GET.get("week"))
        form = self._form(staff, monday)
        return self._render(request, form, staff)

    def post(self, request):
        staff, monday = self._staff(request), _monday_from(request.GET.get("week"))
        form = self._form(staff, monday, data=request.POST)
        form.is_valid()
        outcomes = self._save_cells(request, form, staff)
        saved = sum(1 for outcome in outcomes if outcome != "unchanged")
        if not form.errors:
            messages.success(request, _saved_message(saved))
            return redirect(self._url(staff, monday))

        error_count = len(form.errors)
        messages.error(
            request,
            f"{_saved_message(saved)} {error_count} "
            f"cell{'s' if error_count != 1 else ''} need correcting: see the "
            "messages in the grid.",
        )
        # The day totals come from the database again, after the saves, and
        # the cells keep what was typed.
        form.existing_cells = selectors_matters.timesheet_entries(
            staff, monday, [matter.pk for matter in form.matters]
        )
        return self._render(request, form, staff, status=400)

    def _staff(self, request) -> User:
        staff_id = request.GET.get("staff", "")
        if not staff_id or staff_id == str(request.user.pk):
            return request.user
        if not request.user.sees_whole_service:
            raise PermissionDenied("You can see only your own timesheet.")
        if not staff_id.isdigit():
            raise Http404("No member of the legal service has that id.")
        return get_object_or_404(legal_staff(), pk=staff_id)

    def _form(self, staff, monday, data=None):
        matters = list(selectors_matters.timesheet_matters(staff, monday))
        cells = selectors_matters.timesheet_entries(
            staff, monday, [matter.pk for matter in matters]
        )
        form = TimesheetForm(data, matters=matters, monday=monday, totals=cells)
        form.existing_cells = cells
        return form

    def _save_cells(self, request, form, staff):
        changed = list(form.changed_cells())
        if not changed:
            return []
        rates = services_matters.RateBook([staff.pk])
        new_matters = self._new_row_matters(form, changed)
        existing = form.existing_cells
        extra = self._cells_of_new_rows(staff, form, new_matters)
        outcomes = []
        for row, day, name, minutes in changed:
            matter = row["matter"] or new_matters.get(row["key"])
            if matter is None:
                continue
            cell = existing.get((matter.pk, day)) or extra.get((matter.pk, day))
            cell = cell or {"other": 0, "own": None}
            try:
                outcome = services_matters.save_timesheet_cell(
                    staff=staff,
                    cell=services_matters.TimesheetCell(matter, day, minutes),
                    other_minutes=cell["other"],
                    existing=cell["own"],
                    rates=rates,
                    actor=request.user,
                    request=request,
                )
            except ValidationError as error:
                form.add_error(name, error.messages)
                continue
            outcomes.append(outcome)
        return outcomes

    def _new_row_matters(self, form, changed):
        keys = {row["key"] for row, *_rest in changed if row["matter"] is None}
        if not keys:
            return {}
        references = {
            (form.cleaned_data.get(f"reference-{key}") or "").strip() for key in keys
        }
        named = Q(pk__in=[])
        for reference in references - {""}:
            named |= Q(reference__iexact=reference)
        open_matters = {
            matter.reference.casefold(): matter
            for matter in Matter.objects.filter(named)
            .exclude(status=Matter.Status.CLOSED)
            .select_related("client")
        }
        rows = [row for row in form.rows if row["key"] in keys]
        found = {}
        for row in rows:
            matter = form.new_row_matter(row, open_matters)
            if matter is not None:
                found[row["key"]] = matter
        return found

    def _cells_of_new_rows(self, staff, form, new_matters):
        ids = [matter.pk for matter in new_matters.values()]
        if not ids:
            return {}
        return selectors_matters.timesheet_entries(staff, form.monday, ids)

    def _render(self, request, form, staff, status=200):
        monday = form.monday
        day_totals = [0] * 7
        for (_matter_id, day), cell in form.existing_cells.items():
            day_totals[(day - monday).days] += cell["minutes"]
        ctx = {
            "form": form,
            "rows": list(form.bound_rows()),
            "staff": staff,
            "monday": monday,
            "days": form.days,
            "day_totals": day_totals,
            "week_total": sum(day_totals),
            "previous_url": self._url(staff, monday - timedelta(days=7)),
            "next_url": self._url(staff, monday + timedelta(days=7)),
            "this_week_url": self._url(staff, None),
            "staff_choices": legal_staff() if request.user.sees_whole_service else [],
            "post_url": self._url(staff, monday),
        }
        return render(request, self.template_name, ctx, status=status)

    def _url(self, staff, monday):
        params = [f"staff={staff.pk}"]
        if monday is not None:
            params.append(f"week={monday.isoformat()}")
        return reverse("clients:timesheet") + "?" + "&".join(params)


def _saved_message(count: int) -> str:
    if count == 0:
        return "No changes to save."
    return f"Saved {count} cell{'s' if count != 1 else ''}."
