"""Background jobs for CSV imports (completions, bulk enrolment)."""

from celery import shared_task
from django.db import OperationalError

from ..services import imports


@shared_task(
    name="credentials.tasks_imports.import_job_process_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def import_job_process_task(job_id: int) -> None:
    """Handle a job's waiting rows; a re-run skips rows that have their result."""
    imports.import_job_process(job_id=job_id)


@shared_task(name="credentials.tasks_imports.import_jobs_reconcile_task")
def import_jobs_reconcile_task() -> None:
    """Periodic: send again jobs whose worker was lost (e.g. the broker was down at upload)."""
    imports.import_jobs_reconcile()
