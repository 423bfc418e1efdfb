"""Background jobs for bulk learner invitations."""

from smtplib import SMTPException

from celery import shared_task

from ..services import invitations


@shared_task(
    name="partners.tasks_manage.invitation_batch_send_task",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def invitation_batch_send_task(batch_id: int) -> None:
    """Send a batch's waiting invitations; a re-run sends nothing twice."""
    invitations.invitation_batch_send(batch_id=batch_id)


@shared_task(name="partners.tasks_manage.invitation_batches_reconcile_task")
def invitation_batches_reconcile_task() -> None:
    """Periodic: re-enqueue batches whose job was lost (e.g. the broker was down at upload)."""
    invitations.invitation_batches_reconcile()
