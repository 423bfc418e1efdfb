"""The app's Celery tasks, found by the worker's autodiscovery through this package.

Each task keeps the name it had before the tasks became a package (`name=`), so messages already
queued and the periodic tasks stored by django-celery-beat still reach it.
"""

from .enrolments import (
    credential_issue_task,
    credentials_reconcile_task,
    enrolment_notify_learner_task,
    enrolment_provision_task,
    enrolments_reconcile_task,
    seat_threshold_notify_task,
    waitlist_promote_task,
)
from .imports import import_job_process_task, import_jobs_reconcile_task
from .wallet import wallet_offers_purge_task

__all__ = [
    "credential_issue_task",
    "credentials_reconcile_task",
    "enrolment_notify_learner_task",
    "enrolment_provision_task",
    "enrolments_reconcile_task",
    "import_job_process_task",
    "import_jobs_reconcile_task",
    "seat_threshold_notify_task",
    "waitlist_promote_task",
    "wallet_offers_purge_task",
]
