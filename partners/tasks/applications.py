"""Thin Celery tasks: ids in, one service call, retry policy here, state machine in the service."""

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from ..services import digest, documents, notifications, retention


@shared_task(
    name="partners.tasks.application_notify_learner_task",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def application_notify_learner_task(application_id: int, event: str) -> None:
    notifications.application_notify_learner(application_id=application_id, event=event)


@shared_task(name="partners.tasks.verifications_expire_task")
def verifications_expire_task() -> None:
    """Daily: approved applications past their date become expired (learners are told)."""
    retention.verifications_expire()


@shared_task(name="partners.tasks.verification_reminders_task")
def verification_reminders_task() -> None:
    """Daily: 30 days before a verification expires, remind the learner once."""
    retention.verification_reminders_send()


@shared_task(name="partners.tasks.staff_digests_task")
def staff_digests_task() -> None:
    """Daily: each staff member's summary of what is new in their partner's queue."""
    digest.staff_digests_send()


@shared_task(
    name="partners.tasks.document_rebuild_task",
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=True,
    max_retries=8,
)
def document_rebuild_task(document_id: int) -> None:
    """Render an uploaded document to pixels and store only the rebuilt copy (idempotent)."""
    documents.document_rebuild(document_id=document_id)


@shared_task(name="partners.tasks.documents_rebuild_reconcile_task")
def documents_rebuild_reconcile_task() -> None:
    """Every few minutes: documents still being checked whose job was lost are sent again."""
    documents.documents_rebuild_reconcile()


@shared_task(name="partners.tasks.documents_purge_task")
def documents_purge_task() -> None:
    """Daily: delete evidence documents EVIDENCE_RETENTION_DAYS after the decision."""
    retention.documents_purge()


# Tasks of the coordinator pages live in their own module; importing them here registers them
# with every worker (Celery autodiscovers only `tasks.py`).
