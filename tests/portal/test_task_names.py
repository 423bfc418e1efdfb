"""Celery finds tasks by name: every periodic task names a registered task, and the tasks that
moved into `tasks` packages kept their names, so queued messages and the periodic tasks
django-celery-beat copied into its tables still reach them."""

import pytest
from django.conf import settings

from config.celery import app as celery_app

MOVED = [
    "credentials.tasks.enrolment_provision_task",
    "credentials.tasks.waitlist_promote_task",
    "credentials.tasks.enrolments_reconcile_task",
    "credentials.tasks.enrolment_notify_learner_task",
    "credentials.tasks.seat_threshold_notify_task",
    "credentials.tasks.credential_issue_task",
    "credentials.tasks.credentials_reconcile_task",
    "credentials.tasks_imports.import_job_process_task",
    "credentials.tasks_imports.import_jobs_reconcile_task",
    "partners.tasks.application_notify_learner_task",
    "partners.tasks.verifications_expire_task",
    "partners.tasks.verification_reminders_task",
    "partners.tasks.document_rebuild_task",
    "partners.tasks.documents_rebuild_reconcile_task",
    "partners.tasks.documents_purge_task",
    "partners.tasks_manage.invitation_batch_send_task",
    "partners.tasks_manage.invitation_batches_reconcile_task",
]


@pytest.fixture(scope="module")
def registered() -> set[str]:
    celery_app.loader.import_default_modules()  # what a worker does when it starts
    return set(celery_app.tasks)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_task_names_a_registered_task(entry, registered):
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in registered


@pytest.mark.parametrize("name", MOVED)
def test_tasks_in_packages_keep_their_names(name, registered):
    assert name in registered


def test_the_packages_export_the_tasks_under_their_names():
    from credentials import tasks as credential_tasks
    from partners import tasks as partner_tasks

    assert credential_tasks.import_job_process_task.name == (
        "credentials.tasks_imports.import_job_process_task"
    )
    assert partner_tasks.invitation_batch_send_task.name == (
        "partners.tasks_manage.invitation_batch_send_task"
    )
    assert partner_tasks.document_rebuild_task.name == "partners.tasks.document_rebuild_task"
