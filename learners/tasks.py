"""Thin Celery tasks for learners' data rights: ids in, one service call."""

from celery import shared_task
from django.conf import settings

from credentials.errors import ProviderUnavailable

from .services import data_rights


@shared_task
def learner_data_export_build_task(export_id: int) -> None:
    """Build one learner's data file; does nothing unless the export is still waiting."""
    data_rights.learner_data_export_build(export_id=export_id)


@shared_task
def learner_data_exports_expire_task() -> None:
    """Periodic (hourly): delete export files past their 24 hours; resend lost enqueues."""
    data_rights.learner_data_exports_expire()


@shared_task(bind=True, max_retries=None)
def enrolment_provider_notice_task(self, enrolment_id: int) -> None:
    """After an erasure: tell the provider the enrolment is cancelled, retrying with backoff
    while it is unreachable; after the last retry the failure stays in the worker's log."""
    try:
        data_rights.enrolment_provider_notice(enrolment_id=enrolment_id)
    except ProviderUnavailable as error:
        retries = getattr(settings, "PROVIDER_MAX_RETRIES", 8)
        if self.request.retries >= retries:
            return
        if self.request.is_eager:
            enrolment_provider_notice_task.apply(
                args=(enrolment_id,), retries=self.request.retries + 1
            )
            return
        countdown = min(
            getattr(settings, "PROVIDER_RETRY_BASE_SECONDS", 30) * 2**self.request.retries, 3600
        )
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task
def enrolment_provider_notices_reconcile_task() -> None:
    """Periodic (hourly): send again the erasure notices providers have not answered."""
    data_rights.enrolment_provider_notices_reconcile()


@shared_task
def pending_registrations_purge_task() -> None:
    """Periodic (hourly): delete in-person registrations nobody confirmed within 7 days."""
    from .services.assisted_contact import pending_registrations_purge

    pending_registrations_purge()
