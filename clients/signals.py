"""Signals of the clients app."""

from django.dispatch import Signal

# Sent by ``clients.services_matters.close_matter`` with ``sender=Matter`` and
# ``matter``, the matter just closed. It is sent inside the transaction that
# closes the matter, so a receiver's writes commit or roll back with it, and a
# receiver that queues a Celery task should use ``delay_on_commit``.
matter_closed = Signal()
