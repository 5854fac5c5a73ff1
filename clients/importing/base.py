"""The parts every kind of import shares: fields, column mapping, row plans."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .reading import Table, normalise_header
from .values import text

# Lookups with ``__in`` go to the database in chunks of this many values,
# well under SQLite's limit of 32,766 parameters a statement.
LOOKUP_CHUNK = 5_000


@dataclass(frozen=True)
class ImportField:
    """A field an import reads, with the headers that map to it by default."""

    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""

    def matches(self, header: str) -> bool:
        names = (self.key, self.label, *self.aliases)
        return normalise_header(header) in {normalise_header(n) for n in names}


@dataclass(frozen=True)
class Issue:
    """A problem with one field of one row."""

    row_number: int
    field: str
    value: str
    message: str


class RowInvalid(Exception):  # noqa: N818 (a signal to the runner, not an error)
    """Raised by ``plan_row`` with every problem found in one row."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class PlannedRow:
    """The change applying one valid row makes: create, update or unchanged."""

    row_number: int
    action: str
    instance: object
    extra: dict = field(default_factory=dict)


def default_mapping(fields: list[ImportField], headers: list[str]) -> dict[str, str]:
    """Map each field to the first header that matches one of its names."""
    mapping = {}
    for import_field in fields:
        match = next((h for h in headers if h and import_field.matches(h)), "")
        mapping[import_field.key] = match
    return mapping


class Problems:
    """Collector of the problems of one row, raised together at the end."""

    def __init__(self, importer):
        self.importer = importer
        self.items: list[tuple[str, str, str]] = []

    def add(self, key: str, message: str, value="") -> None:
        self.items.append((self.importer.label_of(key), text(value)[:200], message))

    def add_validation_error(self, error: ValidationError, labels: dict) -> None:
        for name, messages in error.message_dict.items():
            label = labels.get(name, name if name != "__all__" else "")
            for message in messages:
                self.items.append((label, "", message))

    def raise_if_any(self) -> None:
        if self.items:
            raise RowInvalid(self.items)


class Importer:
    """Base of the importers: maps columns and reads each row's cells."""

    fields: list[ImportField] = []
    # Model field names to the import field labels, for model validation errors.
    model_labels: dict[str, str] = {}

    def __init__(self, table: Table, mapping: dict[str, str]):
        self.table = table
        self.mapping = mapping
        self.index = {
            key: table.headers.index(header)
            for key, header in mapping.items()
            if header and header in table.headers
        }
        self.labels = {f.key: f.label for f in self.fields}

    def label_of(self, key: str) -> str:
        header = self.mapping.get(key)
        return header or self.labels.get(key, key)

    def mapping_issues(self) -> list[Issue]:
        return [
            Issue(
                1,
                f.label,
                "",
                f"No column is chosen for “{f.label}”, which is required.",
            )
            for f in self.fields
            if f.required and f.key not in self.index
        ]

    def cells(self, values: list) -> dict:
        return {
            key: (values[position] if position < len(values) else None)
            for key, position in self.index.items()
        }

    def prepare(self) -> None:
        """Load what ``plan_row`` looks up, in a few queries for the whole file."""

    def plan_row(self, row_number: int, cells: dict) -> PlannedRow:
        raise NotImplementedError

    def write(self, planned: list[PlannedRow]) -> None:
        raise NotImplementedError


def is_empty(cells: dict, key: str) -> bool:
    return text(cells.get(key)) == ""


def chunked(values, size=LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
