"""Background jobs for partner management: sending bulk learner invitations.

Imported from partners/tasks.py so the worker's autodiscovery registers them.
"""

from smtplib import SMTPException

from celery import shared_task

from .services import invitations


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def invitation_batch_send_task(batch_id: int) -> None:
    """Send a batch's waiting invitations; a re-run sends nothing twice."""
    invitations.invitation_batch_send(batch_id=batch_id)


@shared_task
def invitation_batches_reconcile_task() -> None:
    """Periodic: re-enqueue batches whose job was lost (e.g. the broker was down at upload)."""
    invitations.invitation_batches_reconcile()


__all__ = ["invitation_batch_send_task", "invitation_batches_reconcile_task"]
