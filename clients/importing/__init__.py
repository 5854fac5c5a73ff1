"""Import of clients, contacts, matters and time entries from CSV or XLSX.

The flow: ``start_import`` stores the file and checks it (the dry run) in the
request, or in a Celery task for a large file. The person then applies every
valid row with ``request_apply``, or cancels, and nothing is written.
"""

from .jobs import cancel_import, recheck_import, request_apply, start_import

__all__ = ["cancel_import", "recheck_import", "request_apply", "start_import"]
