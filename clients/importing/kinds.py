"""The importer of each kind of file, by ``ImportJob.Kind`` value."""

from .matters import MatterImporter
from .organisations import ClientImporter, ContactImporter
from .time_entries import TimeEntryImporter

IMPORTERS = {
    "clients": ClientImporter,
    "contacts": ContactImporter,
    "matters": MatterImporter,
    "time_entries": TimeEntryImporter,
}
