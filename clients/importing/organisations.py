"""The importers of clients and of their contacts.

Clients are matched by name. Contacts are matched by email, or by client and
name when there is no email.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clients.models import Client, Contact

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

CLIENT_KIND_ALIASES = {
    "directorate": Client.Kind.INTERNAL_DIRECTORATE,
    "service": Client.Kind.INTERNAL_SERVICE,
    "school": Client.Kind.SCHOOL,
    "academy": Client.Kind.SCHOOL,
    "parish council": Client.Kind.PARISH_COUNCIL,
    "town council": Client.Kind.PARISH_COUNCIL,
}


class ClientImporter(Importer):
    fields = [
        ImportField("name", "Name", True, ("client", "client name", "organisation")),
        ImportField(
            "kind", "Kind", False, ("type", "client type"), "Required for new clients."
        ),
        ImportField("status", "Status"),
        ImportField(
            "parent", "Part of", False, ("parent", "parent client", "directorate")
        ),
        ImportField(
            "cost_centre_code", "Cost centre", False, ("cost centre code", "cost code")
        ),
        ImportField(
            "owner",
            "Relationship owner email",
            False,
            ("owner", "owner email", "relationship owner"),
        ),
        ImportField("notes", "Notes"),
    ]
    model_labels = {
        "name": "Name",
        "kind": "Kind",
        "status": "Status",
        "cost_centre_code": "Cost centre",
        "notes": "Notes",
    }
    compared = ["kind", "status", "cost_centre_code", "relationship_owner_id", "notes"]

    def prepare(self):
        self.clients = {c.name.casefold(): c for c in Client.objects.all()}
        self.staff = staff_by_email()
        position = self.index.get("name")
        self.names_in_file = set()
        if position is not None:
            for _number, row in self.table.rows:
                if position < len(row):
                    self.names_in_file.add(values.text(row[position]).casefold())
        self.known_names = set(self.clients) | self.names_in_file
        self.seen = {}

    def plan_row(self, row_number, cells):
        problems = Problems(self)
        name = values.text(cells.get("name"))
        if not name:
            problems.add("name", "Enter the client's name.")
            problems.raise_if_any()
        check_duplicate(self.seen, name.casefold(), row_number, problems, "name", name)
        existing = self.clients.get(name.casefold())
        client = existing or Client(name=name, status=Client.Status.ACTIVE)
        original = snapshot(client, self.compared) if existing else {}
        self._read_choices(cells, client, existing, problems)
        self._read_owner(cells, client, problems)
        if not is_empty(cells, "cost_centre_code"):
            client.cost_centre_code = values.text(cells["cost_centre_code"])
        if not is_empty(cells, "notes"):
            client.notes = str(cells["notes"]).strip()
        parent = values.text(cells.get("parent"))
        if parent and parent.casefold() == name.casefold():
            problems.add("parent", "A client cannot be part of itself.", parent)
        elif parent and parent.casefold() not in self.known_names:
            problems.add(
                "parent",
                f"No client is called “{parent}”. Import it first or correct the name.",
                parent,
            )
        validate_instance(
            client,
            problems,
            self.model_labels,
            exclude=["parent", "relationship_owner", "tags"],
        )
        problems.raise_if_any()

        parent_changed = bool(parent) and (
            existing is None
            or existing.parent_id is None
            or self.clients.get(parent.casefold()) is None
            or existing.parent_id != self.clients[parent.casefold()].pk
        )
        if existing is None:
            action = "create"
        elif changed(client, original, self.compared) or parent_changed:
            action = "update"
        else:
            action = "unchanged"
        return PlannedRow(row_number, action, client, {"parent": parent})

    def _read_choices(self, cells, client, existing, problems):
        if is_empty(cells, "kind"):
            if existing is None:
                problems.add(
                    "kind", "Enter the kind of client, such as School or academy."
                )
        else:
            try:
                client.kind = values.choice(
                    cells["kind"], Client.Kind.choices, aliases=CLIENT_KIND_ALIASES
                )
            except ValueError as error:
                problems.add("kind", str(error), cells["kind"])
        if not is_empty(cells, "status"):
            try:
                client.status = values.choice(cells["status"], Client.Status.choices)
            except ValueError as error:
                problems.add("status", str(error), cells["status"])

    def _read_owner(self, cells, client, problems):
        if is_empty(cells, "owner"):
            return
        email = values.text(cells["owner"]).lower()
        owner = self.staff.get(email)
        if owner is None:
            problems.add(
                "owner", "No member of the legal service has this email.", email
            )
        else:
            client.relationship_owner = owner

    def write(self, planned):
        new = [row.instance for row in planned if row.action == "create"]
        changed = [row.instance for row in planned if row.action == "update"]
        Client.objects.bulk_create(new, batch_size=BATCH_SIZE)
        Client.objects.bulk_update(
            changed, self.compared[:-1] + ["notes"], batch_size=BATCH_SIZE
        )
        by_name = {c.name.casefold(): c for c in Client.objects.all()}
        with_parent = []
        for row in planned:
            parent_name = row.extra.get("parent")
            if not parent_name or row.action == "unchanged":
                continue
            row.instance.parent_id = by_name[parent_name.casefold()].pk
            with_parent.append(row.instance)
        Client.objects.bulk_update(with_parent, ["parent"], batch_size=BATCH_SIZE)


# Contacts
# ---------------------------------------------------------------------------


class ContactImporter(Importer):
    fields = [
        ImportField("client", "Client", True, ("client name", "organisation")),
        ImportField(
            "full_name", "Full name", True, ("name", "contact name", "contact")
        ),
        ImportField("email", "Email", False, ("email address", "e-mail")),
        ImportField("job_title", "Job title", False, ("title", "role", "position")),
        ImportField("phone", "Phone", False, ("telephone", "phone number", "tel")),
        ImportField("preferred_channel", "Preferred channel", False, ("channel",)),
        ImportField("is_primary", "Primary contact", False, ("primary",)),
    ]
    model_labels = {
        "full_name": "Full name",
        "email": "Email",
        "job_title": "Job title",
        "phone": "Phone",
        "preferred_channel": "Preferred channel",
    }
    compared = [
        "full_name",
        "email",
        "job_title",
        "phone",
        "preferred_channel",
        "is_primary",
    ]

    def prepare(self):
        self.clients = {c.name.casefold(): c for c in Client.objects.all()}
        contacts = list(Contact.objects.select_related("client"))
        self.by_email = {c.email.lower(): c for c in contacts if c.email}
        self.by_name = {(c.client_id, c.full_name.casefold()): c for c in contacts}
        self.seen = {}
        self.primary_rows = {}

    def plan_row(self, row_number, cells):
        problems = Problems(self)
        client_name = values.text(cells.get("client"))
        client = self.clients.get(client_name.casefold())
        if client is None:
            message = (
                "Enter the client's name."
                if not client_name
                else (
                    f"No client is called “{client_name}”. Import the clients first "
                    "or correct the name."
                )
            )
            problems.add("client", message, client_name)
        full_name = values.text(cells.get("full_name"))
        if not full_name:
            problems.add("full_name", "Enter the contact's name.")
        email = values.text(cells.get("email")).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.add("email", "Enter a valid email address.", email)
        problems.raise_if_any()

        existing = self._existing(client, full_name, email, problems)
        key = email or (client.pk, full_name.casefold())
        check_duplicate(
            self.seen,
            key,
            row_number,
            problems,
            "email" if email else "full_name",
            email or full_name,
        )
        contact = existing or Contact(client=client)
        original = snapshot(contact, self.compared) if existing else {}
        contact.full_name = full_name
        contact.email = email or contact.email
        self._read_optional(cells, contact, problems)
        self._read_primary(cells, contact, client, row_number, problems)
        validate_instance(contact, problems, self.model_labels, exclude=["client"])
        problems.raise_if_any()

        if existing is None:
            action = "create"
        elif changed(contact, original, self.compared):
            action = "update"
        else:
            action = "unchanged"
        return PlannedRow(row_number, action, contact)

    def _existing(self, client, full_name, email, problems):
        if email:
            existing = self.by_email.get(email)
            if existing is not None and existing.client_id != client.pk:
                problems.add(
                    "email",
                    f"This email belongs to a contact at {existing.client.name}. "
                    "Correct the email or the client.",
                    email,
                )
                problems.raise_if_any()
            if existing is not None:
                return existing
        return self.by_name.get((client.pk, full_name.casefold()))

    def _read_optional(self, cells, contact, problems):
        for key in ("job_title", "phone"):
            if not is_empty(cells, key):
                setattr(contact, key, values.text(cells[key]))
        if not is_empty(cells, "preferred_channel"):
            try:
                contact.preferred_channel = values.choice(
                    cells["preferred_channel"], Contact.Channel.choices
                )
            except ValueError as error:
                problems.add(
                    "preferred_channel", str(error), cells["preferred_channel"]
                )
        elif not contact.email and contact.pk is None:
            contact.preferred_channel = (
                Contact.Channel.PHONE if contact.phone else contact.preferred_channel
            )

    def _read_primary(self, cells, contact, client, row_number, problems):
        if is_empty(cells, "is_primary"):
            return
        try:
            contact.is_primary = values.yes_no(cells["is_primary"])
        except ValueError as error:
            problems.add("is_primary", str(error), cells["is_primary"])
            return
        if contact.is_primary:
            earlier = self.primary_rows.setdefault(client.pk, row_number)
            if earlier != row_number:
                problems.add(
                    "is_primary",
                    f"Row {earlier} already makes another contact primary for "
                    "this client.",
                    cells["is_primary"],
                )

    def write(self, planned):
        rows = [row for row in planned if row.action != "unchanged"]
        primaries = [row.instance for row in rows if row.instance.is_primary]
        # One primary contact per client: a new primary replaces the old one.
        for client_ids in chunked({c.client_id for c in primaries}):
            Contact.objects.filter(client_id__in=client_ids, is_primary=True).exclude(
                pk__in=[c.pk for c in primaries if c.pk]
            ).update(is_primary=False)
        Contact.objects.bulk_create(
            [row.instance for row in rows if row.action == "create"],
            batch_size=BATCH_SIZE,
        )
        Contact.objects.bulk_update(
            [row.instance for row in rows if row.action == "update"],
            self.compared,
            batch_size=BATCH_SIZE,
        )
