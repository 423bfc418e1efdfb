"""The app's Celery tasks, found by the worker's autodiscovery through this package.

Each task keeps the name it had before the tasks became a package (`name=`), so messages already
queued and the periodic tasks stored by django-celery-beat still reach it.
"""

from .applications import (
    application_notify_learner_task,
    document_rebuild_task,
    documents_purge_task,
    documents_rebuild_reconcile_task,
    staff_digests_task,
    verification_reminders_task,
    verifications_expire_task,
)
from .invitations import invitation_batch_send_task, invitation_batches_reconcile_task

__all__ = [
    "application_notify_learner_task",
    "document_rebuild_task",
    "documents_purge_task",
    "documents_rebuild_reconcile_task",
    "invitation_batch_send_task",
    "invitation_batches_reconcile_task",
    "staff_digests_task",
    "verification_reminders_task",
    "verifications_expire_task",
]
