"""The importer of time entries.

Rows are matched by the file's entry reference or, without one, by the row's
contents, so importing the same file twice creates nothing twice.
"""

import hashlib
from collections import Counter
from decimal import Decimal

from clients.models import Matter, RechargeLine, TimeEntry
from clients.services_matters import RateBook, missing_rate_message

from . import values
from .base import Importer, ImportField, PlannedRow, Problems, chunked, is_empty
from .rows import (
    BATCH_SIZE,
    changed,
    check_duplicate,
    snapshot,
    staff_by_email,
    validate_instance,
)


class TimeEntryImporter(Importer):
    fields = [
        ImportField(
            "matter",
            "Matter reference",
            True,
            ("matter", "matter ref", "case reference", "case ref", "file reference"),
        ),
        ImportField(
            "staff",
            "Staff email",
            True,
            ("email", "lawyer email", "fee earner email", "fee earner", "staff"),
        ),
        ImportField(
            "worked_on", "Date", True, ("date worked", "work date", "entry date")
        ),
        ImportField(
            "minutes",
            "Minutes",
            False,
            ("mins", "time (minutes)", "duration"),
            "Or give an hours column.",
        ),
        ImportField("hours", "Hours", False, ("time (hours)",)),
        ImportField("chargeable", "Chargeable", False, ("billable", "recharge")),
        ImportField("activity", "Activity", False, ("activity type", "task")),
        ImportField("note", "Note", False, ("narrative", "description", "notes")),
        ImportField(
            "rate",
            "Hourly rate",
            False,
            ("rate", "rate per hour"),
            "Left blank, the rate in force on the date.",
        ),
        ImportField(
            "reference",
            "Entry reference",
            False,
            ("entry id", "time entry id", "entry reference", "id"),
        ),
    ]
    model_labels = {
        "worked_on": "Date",
        "minutes": "Minutes",
        "hourly_rate": "Hourly rate",
        "note": "Note",
        "activity": "Activity",
    }
    compared = [
        "matter_id",
        "staff_id",
        "worked_on",
        "minutes",
        "is_chargeable",
        "hourly_rate",
        "amount",
        "activity",
        "note",
    ]
    written = [
        "matter",
        "staff",
        "worked_on",
        "minutes",
        "is_chargeable",
        "hourly_rate",
        "amount",
        "activity",
        "note",
    ]

    def prepare(self):
        references = {
            values.text(row[p]).casefold()
            for _n, row in self.table.rows
            if (p := self.index.get("matter")) is not None and p < len(row)
        }
        self.matters = {}
        for chunk in chunked(references - {""}):
            for matter in Matter.objects.filter(reference__in=chunk):
                self.matters[matter.reference.casefold()] = matter
        # References are stored as typed; a second, case-folded pass finds
        # the rest.
        if len(self.matters) < len(references - {""}):
            for matter in Matter.objects.all().only(
                "pk", "reference", "opened_on", "closed_on", "is_chargeable"
            ):
                self.matters.setdefault(matter.reference.casefold(), matter)
        self.staff = staff_by_email()
        self.rates = RateBook(user.pk for user in self.staff.values())
        self.keys = self._import_keys()
        self.existing = {}
        for chunk in chunked(set(self.keys.values())):
            for entry in TimeEntry.objects.filter(import_key__in=chunk):
                self.existing[entry.import_key] = entry
        billed_ids = set()
        ids = [entry.pk for entry in self.existing.values()]
        for chunk in chunked(ids):
            billed_ids.update(
                RechargeLine.objects.filter(time_entry_id__in=chunk).values_list(
                    "time_entry_id", flat=True
                )
            )
        self.billed = billed_ids
        self.seen = {}

    def _import_keys(self) -> dict[int, str]:
        """Return each row's match key: its entry reference, or its contents.

        Rows without a reference are keyed on their cells, with a count of
        earlier identical rows, so two identical 6-minute calls on one day
        stay two entries, and importing the file again finds both.
        """
        occurrences = Counter()
        keys = {}
        for number, row in self.table.rows:
            cells = self.cells(row)
            reference = values.text(cells.get("reference"))
            if reference:
                keys[number] = "ref:" + reference[:90]
                continue
            content = "\x1f".join(
                values.text(cells.get(key)).casefold()
                for key in (
                    "matter",
                    "staff",
                    "worked_on",
                    "minutes",
                    "hours",
                    "chargeable",
                    "activity",
                    "note",
                    "rate",
                )
            )
            occurrences[content] += 1
            digest = hashlib.sha256(
                f"{content}\x1e{occurrences[content]}".encode()
            ).hexdigest()
            keys[number] = "row:" + digest[:64]
        return keys

    def plan_row(self, row_number, cells):
        problems = Problems(self)
        key = self.keys[row_number]
        if key.startswith("ref:"):
            check_duplicate(
                self.seen,
                key,
                row_number,
                problems,
                "reference",
                cells.get("reference"),
            )
        matter = self._lookup_matter(cells, problems)
        staff = self._lookup_staff(cells, problems)
        worked_on = self._read_date(cells, problems)
        minutes = self._read_minutes(cells, problems)
        problems.raise_if_any()

        existing = self.existing.get(key)
        entry = existing or TimeEntry(import_key=key, from_timesheet=False)
        original = snapshot(entry, self.compared) if existing else {}
        entry.matter, entry.staff = matter, staff
        entry.worked_on, entry.minutes = worked_on, minutes
        self._read_choices(cells, entry, matter, problems)
        self._read_rate(cells, entry, problems)
        problems.raise_if_any()
        entry.set_amount()
        validate_instance(
            entry,
            problems,
            self.model_labels,
            exclude=["matter", "staff", "created_by", "import_key"],
        )
        problems.raise_if_any()

        if existing is None:
            return PlannedRow(row_number, "create", entry)
        if not changed(entry, original, self.compared):
            return PlannedRow(row_number, "unchanged", entry)
        if existing.pk in self.billed:
            problems.add(
                "reference",
                "This entry is on an issued recharge statement and cannot change.",
                cells.get("reference"),
            )
            problems.raise_if_any()
        return PlannedRow(row_number, "update", entry)

    def _lookup_matter(self, cells, problems):
        reference = values.text(cells.get("matter"))
        if not reference:
            problems.add("matter", "Enter the matter's reference.")
            return None
        matter = self.matters.get(reference.casefold())
        if matter is None:
            problems.add(
                "matter",
                f"No matter has the reference “{reference}”. Import the matters first.",
                reference,
            )
        return matter

    def _lookup_staff(self, cells, problems):
        email = values.text(cells.get("staff")).lower()
        if not email:
            problems.add("staff", "Enter the email of the person who did the work.")
            return None
        staff = self.staff.get(email)
        if staff is None:
            problems.add(
                "staff", "No member of the legal service has this email.", email
            )
        return staff

    def _read_date(self, cells, problems):
        if is_empty(cells, "worked_on"):
            problems.add("worked_on", "Enter the date the work was done.")
            return None
        try:
            return values.uk_date(cells["worked_on"])
        except ValueError as error:
            problems.add("worked_on", str(error), cells["worked_on"])
            return None

    def _read_minutes(self, cells, problems):
        try:
            if not is_empty(cells, "minutes"):
                minutes = values.whole_number(cells["minutes"], unit="minutes")
                key = "minutes"
            elif not is_empty(cells, "hours"):
                minutes = values.hours_as_minutes(cells["hours"])
                key = "hours"
            else:
                problems.add(
                    "minutes",
                    "Enter the time in minutes, or in hours in an hours column.",
                )
                return None
        except ValueError as error:
            problems.add(
                "minutes" if "minutes" in self.index else "hours",
                str(error),
                cells.get("minutes") or cells.get("hours"),
            )
            return None
        if not 1 <= minutes <= 24 * 60:
            problems.add(
                key, "Enter between 1 and 1440 minutes (24 hours).", cells.get(key)
            )
            return None
        return minutes

    def _read_choices(self, cells, entry, matter, problems):
        entry.is_chargeable = matter.is_chargeable
        if not is_empty(cells, "chargeable"):
            try:
                entry.is_chargeable = values.yes_no(cells["chargeable"])
            except ValueError as error:
                problems.add("chargeable", str(error), cells["chargeable"])
        entry.activity = TimeEntry.Activity.OTHER
        if not is_empty(cells, "activity"):
            try:
                entry.activity = values.choice(
                    cells["activity"], TimeEntry.Activity.choices
                )
            except ValueError as error:
                problems.add("activity", str(error), cells["activity"])
        entry.note = str(cells.get("note") or "").strip()

    def _read_rate(self, cells, entry, problems):
        if not is_empty(cells, "rate"):
            try:
                rate = values.pounds(cells["rate"])
            except ValueError as error:
                problems.add("rate", str(error), cells["rate"])
                return
            if rate < 0:
                problems.add("rate", "Enter a rate of zero or more.", cells["rate"])
                return
            entry.hourly_rate = rate
            return
        rate = self.rates.rate_on(entry.staff.pk, entry.worked_on)
        if rate is None and entry.is_chargeable:
            problems.add(
                "worked_on",
                missing_rate_message(entry.worked_on),
                cells.get("worked_on"),
            )
            return
        entry.hourly_rate = rate if rate is not None else Decimal("0.00")

    def write(self, planned):
        TimeEntry.objects.bulk_create(
            [row.instance for row in planned if row.action == "create"],
            batch_size=BATCH_SIZE,
        )
        TimeEntry.objects.bulk_update(
            [row.instance for row in planned if row.action == "update"],
            self.written,
            batch_size=BATCH_SIZE,
        )
