"""Thin Celery tasks: ids in, one service call; retries here, the state machine in the services."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from ..errors import NoCodesLeft, ProviderUnavailable
from ..services import enrolments, issuance, notifications, reconcile


@shared_task(name="credentials.tasks.enrolment_provision_task", bind=True, max_retries=None)
def enrolment_provision_task(self, enrolment_id: int) -> None:
    """Provision through the provider; retry with exponential backoff; failed after the last."""
    try:
        enrolments.enrolment_provision(enrolment_id=enrolment_id)
    except (ProviderUnavailable, NoCodesLeft) as error:
        if self.request.retries >= settings.PROVIDER_MAX_RETRIES:
            enrolments.enrolment_fail(
                enrolment_id=enrolment_id,
                reason=str(error),
                cause=enrolments.failure_cause_of(error),
            )
            return
        if self.request.is_eager:
            # Run in-process (no broker configured, and in tests): there is no queue to wait
            # in, so try again at once. Raising Retry here would reach the caller — the page
            # that enqueued the job — as an error.
            enrolment_provision_task.apply(args=(enrolment_id,), retries=self.request.retries + 1)
            return
        countdown = min(
            settings.PROVIDER_RETRY_BASE_SECONDS * 2**self.request.retries,
            enrolments.RETRY_MAX_WAIT.total_seconds(),
        )
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="credentials.tasks.waitlist_promote_task")
def waitlist_promote_task(partner_id: int, provider_id: int) -> None:
    """Seats were added or given back: enrol waiting learners, oldest first."""
    enrolments.waitlist_promote(partner_id=partner_id, provider_id=provider_id)


@shared_task(name="credentials.tasks.enrolments_reconcile_task")
def enrolments_reconcile_task() -> None:
    """Periodic: re-send lost provisioning and waiting-list jobs."""
    reconcile.enrolments_reconcile()


@shared_task(
    name="credentials.tasks.enrolment_notify_learner_task",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def enrolment_notify_learner_task(enrolment_id: int, event: str) -> None:
    notifications.enrolment_notify_learner(enrolment_id=enrolment_id, event=event)


@shared_task(
    name="credentials.tasks.seat_threshold_notify_task",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def seat_threshold_notify_task(allocation_id: int, level: int) -> None:
    notifications.seat_threshold_notify(allocation_id=allocation_id, level=level)


@shared_task(
    name="credentials.tasks.credential_issue_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def credential_issue_task(enrolment_id: int) -> None:
    """Issue the credential for a completed enrolment (safe to run any number of times)."""
    issuance.credential_issue(enrolment_id=enrolment_id)


@shared_task(name="credentials.tasks.credentials_reconcile_task")
def credentials_reconcile_task() -> None:
    """Periodic: issue credentials whose job was lost (completed enrolments without one)."""
    for enrolment_id in issuance.completed_without_credential():
        credential_issue_task.delay(enrolment_id)
