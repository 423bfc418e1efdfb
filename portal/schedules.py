"""Production's periodic jobs without a broker: what `make run` starts beside runserver.

In production `celery beat` (django-celery-beat's DatabaseScheduler) sends each job of
settings.CELERY_BEAT_SCHEDULE to the broker when it is due, and a worker runs it. With no broker
(the README's default: SQLite, jobs in-process), nothing would ever run them: roll-ups, expiry,
reminders, purges, reconcilers. `manage.py run_schedules` runs the very same scheduler, with the
same schedule, the same table of last runs and the admin's edits to it (Periodic tasks), and
only one difference: a due job runs here and now, in-process (task_always_eager), instead of being
sent. No queue or scheduler of our own: Celery decides what is due. See
docs/decisions/0020-default-deployment.md.
"""

import logging

from celery import current_app
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


class InProcessScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that runs due jobs in this process.

    Celery's scheduler opens a broker connection for its producer; with task_always_eager a
    task's apply_async runs it at once and needs none, so there is no producer. A job that fails
    is logged by Celery's scheduler (apply_entry) and the next ones still run."""

    @property
    def producer(self):
        return None

    def send_task(self, name, *args, **kwargs):
        # Celery sends a job by name when no task of that name is registered: here, nothing
        # would ever receive it.
        raise LookupError(f"no task {name} in this process")


def schedules_scheduler(**kwargs) -> InProcessScheduler:
    """The scheduler, on the portal's Celery app; it copies CELERY_BEAT_SCHEDULE into its table
    (as `celery beat` does when it starts)."""
    app = current_app._get_current_object()
    if not app.conf.task_always_eager:
        raise RuntimeError("a broker is configured: jobs are sent to it by `celery beat`")
    app.loader.import_default_modules()  # every app's tasks.py, as a worker or beat imports them
    return InProcessScheduler(app=app, **kwargs)


def schedules_run_due(scheduler: InProcessScheduler) -> float:
    """Run every job that is due now, one after the other; the seconds until the next check."""
    # Celery runs one due job per tick and answers 0 while more are due; bounded, so a clock
    # that jumps cannot keep this loop from returning.
    for _ in range(len(scheduler.schedule) + 1):
        delay = scheduler.tick()
        if delay > 0:
            return delay
    return 0
