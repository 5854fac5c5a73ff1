"""The importer of matters, matched by reference.

An imported matter gets the client's agreed service promise for its type, or
the type's default, and a target date from it, unless the file gives them.
"""

from accounts.models import Team
from clients.models import (
    Client,
    ClientPromiseOverride,
    Contact,
    Matter,
    MatterType,
    ServicePromise,
)

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


class MatterImporter(Importer):
    fields = [
        ImportField(
            "reference",
            "Reference",
            True,
            (
                "matter reference",
                "matter ref",
                "case reference",
                "case ref",
                "file reference",
            ),
        ),
        ImportField(
            "client", "Client", True, ("client name", "cost centre", "cost centre code")
        ),
        ImportField(
            "title",
            "Title",
            True,
            ("matter title", "description", "matter description"),
        ),
        ImportField(
            "matter_type", "Matter type", True, ("type", "work type", "category")
        ),
        ImportField(
            "lawyer",
            "Responsible lawyer email",
            True,
            (
                "lawyer",
                "lawyer email",
                "fee earner",
                "fee earner email",
                "responsible lawyer",
            ),
        ),
        ImportField(
            "opened_on",
            "Opened",
            True,
            ("opened on", "date opened", "open date", "instructed"),
        ),
        ImportField("team", "Team"),
        ImportField(
            "closed_on", "Closed", False, ("closed on", "date closed", "close date")
        ),
        ImportField("status", "Status"),
        ImportField(
            "contact",
            "Instructing contact email",
            False,
            ("contact email", "instructed by", "client contact"),
        ),
        ImportField(
            "promise", "Service promise", False, ("promise", "service standard")
        ),
        ImportField("target_date", "Target date", False, ("due", "due date", "target")),
        ImportField(
            "promise_met_on", "Promise met on", False, ("met on", "promise met")
        ),
        ImportField("chargeable", "Chargeable", False, ("recharge", "billable")),
    ]
    model_labels = {
        "reference": "Reference",
        "title": "Title",
        "opened_on": "Opened",
        "closed_on": "Closed",
        "status": "Status",
        "client_contact": "Instructing contact email",
        "target_date": "Target date",
        "promise_met_on": "Promise met on",
    }
    compared = [
        "client_id",
        "title",
        "matter_type_id",
        "responsible_lawyer_id",
        "team_id",
        "opened_on",
        "closed_on",
        "status",
        "client_contact_id",
        "service_promise_id",
        "target_date",
        "promise_met_on",
        "is_chargeable",
    ]
    written = [name.removesuffix("_id") for name in compared]
    dates = ["opened_on", "closed_on", "target_date", "promise_met_on"]

    def prepare(self):
        clients = list(Client.objects.all())
        self.clients = {c.name.casefold(): c for c in clients}
        self.clients.update(
            {c.cost_centre_code.casefold(): c for c in clients if c.cost_centre_code}
        )
        references = self._column_texts("reference")
        self.matters = {}
        for chunk in chunked(references):
            for matter in Matter.objects.filter(reference__in=chunk):
                self.matters[matter.reference.casefold()] = matter
        self.staff = staff_by_email()
        self.types = {
            t.name.casefold(): t
            for t in MatterType.objects.select_related("default_promise")
        }
        self.teams = {t.name.casefold(): t for t in Team.objects.all()}
        self.promises = {p.name.casefold(): p for p in ServicePromise.objects.all()}
        self.overrides = {
            (o.client_id, o.matter_type_id): o.promise
            for o in ClientPromiseOverride.objects.select_related("promise")
        }
        self.contacts = {c.email.lower(): c for c in Contact.objects.exclude(email="")}
        self.seen = {}

    def _column_texts(self, key):
        position = self.index.get(key)
        if position is None:
            return []
        return [
            values.text(row[position])
            for _number, row in self.table.rows
            if position < len(row) and values.text(row[position])
        ]

    def plan_row(self, row_number, cells):
        problems = Problems(self)
        reference = values.text(cells.get("reference"))
        if not reference:
            problems.add("reference", "Enter the matter's reference.")
            problems.raise_if_any()
        check_duplicate(
            self.seen,
            reference.casefold(),
            row_number,
            problems,
            "reference",
            reference,
        )
        existing = self.matters.get(reference.casefold())
        matter = existing or Matter(reference=reference)
        original = snapshot(matter, self.compared) if existing else {}
        self._read_links(cells, matter, problems)
        self._read_dates(cells, matter, problems)
        self._read_status(cells, matter, problems)
        if not is_empty(cells, "title"):
            matter.title = values.text(cells["title"])
        elif existing is None:
            problems.add("title", "Enter the matter's title.")
        problems.raise_if_any()

        self._apply_promise(cells, matter, problems)
        validate_instance(
            matter,
            problems,
            self.model_labels,
            exclude=[
                "client",
                "matter_type",
                "team",
                "responsible_lawyer",
                "service_promise",
            ],
        )
        problems.raise_if_any()
        if existing is None:
            action = "create"
        elif changed(matter, original, self.compared):
            action = "update"
        else:
            action = "unchanged"
        return PlannedRow(row_number, action, matter)

    def _lookup(self, cells, key, table, message, problems, *, lower=False):
        raw = values.text(cells.get(key))
        if not raw:
            return None
        found = table.get(raw.lower() if lower else raw.casefold())
        if found is None:
            problems.add(key, message.format(raw), raw)
        return found

    def _read_links(self, cells, matter, problems):
        client = self._lookup(
            cells,
            "client",
            self.clients,
            "No client has the name or cost centre “{}”. Import the clients first.",
            problems,
        )
        if client is not None:
            matter.client = client
        elif matter.client_id is None and is_empty(cells, "client"):
            problems.add("client", "Enter the client's name or cost centre code.")
        matter_type = self._lookup(
            cells,
            "matter_type",
            self.types,
            "“{}” is not a matter type. Use one of: "
            + ", ".join(t.name for t in self.types.values())
            + ".",
            problems,
        )
        if matter_type is not None:
            matter.matter_type = matter_type
        elif matter.matter_type_id is None and is_empty(cells, "matter_type"):
            problems.add("matter_type", "Enter the matter type.")
        lawyer = self._lookup(
            cells,
            "lawyer",
            self.staff,
            "No member of the legal service has the email “{}”.",
            problems,
            lower=True,
        )
        if lawyer is not None:
            matter.responsible_lawyer = lawyer
            if is_empty(cells, "team") and matter.team_id is None:
                matter.team_id = getattr(
                    getattr(lawyer, "profile", None), "team_id", None
                )
        elif matter.responsible_lawyer_id is None and is_empty(cells, "lawyer"):
            problems.add("lawyer", "Enter the responsible lawyer's email.")
        team = self._lookup(
            cells, "team", self.teams, "No team is called “{}”.", problems
        )
        if team is not None:
            matter.team = team
        contact = self._lookup(
            cells,
            "contact",
            self.contacts,
            "No contact has the email “{}”. Import the contacts first.",
            problems,
            lower=True,
        )
        if contact is not None:
            matter.client_contact = contact
        if not is_empty(cells, "chargeable"):
            try:
                matter.is_chargeable = values.yes_no(cells["chargeable"])
            except ValueError as error:
                problems.add("chargeable", str(error), cells["chargeable"])

    def _read_dates(self, cells, matter, problems):
        for key in self.dates:
            if is_empty(cells, key):
                continue
            try:
                setattr(matter, key, values.uk_date(cells[key]))
            except ValueError as error:
                problems.add(key, str(error), cells[key])
        if matter.opened_on is None or (
            is_empty(cells, "opened_on") and matter.pk is None
        ):
            if not any(
                item[0] == self.label_of("opened_on") for item in problems.items
            ):
                problems.add("opened_on", "Enter the date the matter was opened.")

    def _read_status(self, cells, matter, problems):
        if not is_empty(cells, "status"):
            try:
                matter.status = values.choice(cells["status"], Matter.Status.choices)
            except ValueError as error:
                problems.add("status", str(error), cells["status"])
        elif matter.closed_on:
            matter.status = Matter.Status.CLOSED

    def _apply_promise(self, cells, matter, problems):
        named = self._lookup(
            cells,
            "promise",
            self.promises,
            "No service promise is called “{}”.",
            problems,
        )
        if named is not None:
            matter.service_promise = named
        elif matter.service_promise_id is None and matter.matter_type_id:
            matter.service_promise = self.overrides.get(
                (matter.client_id, matter.matter_type_id),
                matter.matter_type.default_promise,
            )
        if (
            is_empty(cells, "target_date")
            and matter.service_promise
            and matter.opened_on
        ):
            matter.target_date = matter.service_promise.due_date(matter.opened_on)

    def write(self, planned):
        # NOTE: an imported closed matter does not send matter_closed, because
        # an import records history and must not ask clients about old work.
        Matter.objects.bulk_create(
            [row.instance for row in planned if row.action == "create"],
            batch_size=BATCH_SIZE,
        )
        Matter.objects.bulk_update(
            [row.instance for row in planned if row.action == "update"],
            self.written,
            batch_size=BATCH_SIZE,
        )
