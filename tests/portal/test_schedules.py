"""Production's periodic jobs under `make run` (no broker): `manage.py run_schedules` runs a job of
CELERY_BEAT_SCHEDULE when Celery's scheduler says it is due, and not before (portal/schedules.py).
"""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from portal.schedules import schedules_run_due, schedules_scheduler
from reporting.models import RefreshState

# The scheduler reads and writes its table outside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def expired_session() -> Session:
    return Session.objects.create(
        session_key="expired-session-key-for-the-test-0001",
        session_data="",
        expire_date=timezone.now() - timedelta(days=1),
    )


def last_ran(*, due: tuple[str, ...] = ()) -> None:
    """Every job last ran just now, except those in `due`, which last ran two days ago (after
    their interval: they are due)."""
    schedules_scheduler().close()  # copies CELERY_BEAT_SCHEDULE into its table, as beat does
    now = timezone.now()
    PeriodicTask.objects.update(last_run_at=now)
    PeriodicTask.objects.filter(name__in=due).update(last_run_at=now - timedelta(days=2))


def test_every_job_of_the_production_schedule_is_on_the_in_process_schedule(settings):
    scheduler = schedules_scheduler()
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(scheduler.schedule)
    scheduler.close()


def test_a_due_job_runs_in_process_and_its_run_is_recorded():
    session = expired_session()
    last_ran(due=("sessions-clear-expired", "rollups-refresh"))
    before = timezone.now()

    scheduler = schedules_scheduler()
    delay = schedules_run_due(scheduler)
    scheduler.close()

    assert not Session.objects.filter(pk=session.pk).exists()  # sessions-clear-expired ran
    state = RefreshState.objects.get(pk=1)  # rollups-refresh ran: the dashboards have figures
    assert state.refreshed_at >= before
    assert PeriodicTask.objects.get(name="sessions-clear-expired").last_run_at >= before
    assert 0 < delay <= scheduler.max_interval  # nothing else due: it waits for the next check


def test_a_job_that_is_not_due_does_not_run():
    session = expired_session()
    last_ran()

    scheduler = schedules_scheduler()
    schedules_run_due(scheduler)
    scheduler.close()

    assert Session.objects.filter(pk=session.pk).exists()
    assert not RefreshState.objects.filter(refreshed_at__isnull=False).exists()


def test_the_command_runs_the_due_jobs_once_and_stops():
    session = expired_session()
    last_ran(due=("sessions-clear-expired",))
    call_command("run_schedules", "--once")
    assert not Session.objects.filter(pk=session.pk).exists()


def test_with_a_broker_the_command_leaves_the_jobs_to_celery_beat():
    celery_app.conf.task_always_eager = False  # as with CELERY_BROKER_URL set
    with pytest.raises(CommandError, match="celery beat"):
        call_command("run_schedules", "--once")
