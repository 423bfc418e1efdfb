"""The portal's Celery app. Configuration lives in settings (CELERY_* names)."""

import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

# What a publish raises when the broker cannot be reached: Celery wraps the transport's errors in
# kombu's OperationalError; OSError (refused, reset, timed out) covers one that lets them through.
BROKER_UNREACHABLE = (OperationalError, OSError)


class Task(DjangoTask):
    """Every task of the portal (Celery's Django task, with delay_on_commit). Sending one never
    fails the request that sends it.

    Services record the work in the database before its job is sent (on commit), and periodic
    reconcilers send again the jobs of work still not done (enrolments, waiting lists,
    credentials, imports, invitations, exports). So when the broker is down, the job is logged
    and dropped here, and the learner still gets their answer. Notifications are work recorded
    the same way: every e-mail and SMS is an outbox row written in the transaction of its event
    (portal/outbox.py); the job that relays it may be dropped here, and the outbox sweep (every
    minute) sends the row once the broker is back (docs/decisions/0021-outbox.md).
    """

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, **options):
        if self.app.conf.task_always_eager:
            # Run in-process: nothing is sent, and the task's own errors must reach the caller.
            return super().apply_async(args, kwargs, task_id, producer, **options)
        try:
            return super().apply_async(args, kwargs, task_id, producer, **options)
        except BROKER_UNREACHABLE as error:
            # Ids only: arguments of other kinds may carry personal data (an e-mail address).
            ids = [arg for arg in args or () if isinstance(arg, int)]
            logger.warning(
                "job %s%s not sent, the broker is unreachable (%s)",
                self.name,
                ids,
                type(error).__name__,
            )
            return None


# Tasks that run on the documents queue (settings.CELERY_DOCUMENTS_QUEUE); everything else goes
# to the default queue.
DOCUMENT_TASKS = frozenset({"partners.tasks.document_rebuild_task"})


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): document rebuilds to their own queue. The queue name is
    read when each task is sent, so a test's worker can have a documents queue of its own."""
    if name in DOCUMENT_TASKS:
        from django.conf import settings

        return {"queue": settings.CELERY_DOCUMENTS_QUEUE}
    return None


app = Celery("portal", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
