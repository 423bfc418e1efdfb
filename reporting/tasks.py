"""Thin Celery tasks for reporting."""

from celery import shared_task

from .refresh import rollups_refresh
from .services import (
    export_build,
    export_expire,
    exports_reconcile,
    partner_reports_send,
    programme_report_send,
)


@shared_task
def rollups_refresh_task() -> None:
    """Periodic (every 15 minutes) and on demand: rebuild every roll-up."""
    rollups_refresh()


@shared_task
def export_build_task(job_id: int) -> None:
    """Build one export's file; does nothing unless the export is still waiting."""
    export_build(job_id=job_id)


@shared_task
def exports_expire_task() -> None:
    """Periodic (hourly): delete the files of exports past their 24 hours, and send again the
    exports whose enqueue was lost."""
    export_expire()
    exports_reconcile()


@shared_task
def partner_reports_send_task() -> None:
    """Periodic (monthly): each partner's report to its coordinators; a month goes out once."""
    partner_reports_send()


@shared_task
def programme_report_send_task() -> None:
    """Periodic (monthly): the programme summary to the programme admins; once a month."""
    programme_report_send()
