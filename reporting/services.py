"""Exports and scheduled reports: asking for an export, building the files in the background,
expiry, and the monthly e-mails.

An export is only ever seen by the person who asked for it, for EXPORT_TTL after it is built;
every request and every download is in the audit log. Reports e-mailed each month carry the same
protected aggregate CSV as an export, and a month is sent at most once per partner (and once to
the programme admins), however often the task runs.
"""

import io
import logging
import secrets
import tempfile
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from partners.models import Membership, Partner, StaffRole
from portal.emails import email_send
from portal.models import Role, User
from portal.origin import site_url
from portal.services import audit_record
from portal.storage import private_storage

from . import exports
from .models import (
    ExportJob,
    ExportKind,
    RefreshState,
    ReportDelivery,
    SummaryCount,
)
from .refresh import rollups_refresh
from .selectors_exports import can_export, programme_reach, report_headlines

logger = logging.getLogger(__name__)

EXPORT_TTL = timedelta(hours=24)
EXPORT_FOLDER = "exports"
# A pending job not picked up after this long lost its enqueue (broker down): send it again.
EXPORT_PENDING_GRACE = timedelta(minutes=10)
# A job still "running" after the task's hard time limit died with its worker.
EXPORT_RUNNING_LIMIT = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def export_request(*, kind: str, partner: Partner | None, acting_user: User) -> ExportJob:
    """Record the request and build the file in the background once the transaction commits."""
    if kind != ExportKind.PARTNER_AGGREGATES:
        partner = None
    if not can_export(acting_user, kind=kind, partner=partner):
        raise PermissionDenied
    job = ExportJob.objects.create(kind=kind, partner=partner, requested_by=acting_user)
    audit_record(
        actor=acting_user,
        action="export.requested",
        target=job,
        partner_id=partner.pk if partner else None,
        data={"kind": kind},
    )
    from .tasks import export_build_task

    job_id = job.pk
    transaction.on_commit(lambda: export_build_task.delay(job_id))
    return job


def _progress_saver(job_id: int):
    def save(processed: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(processed=processed, total=total)

    return save


def export_build(*, job_id: int) -> ExportJob | None:
    """Build the file of a pending export. Idempotent: does nothing unless the job is pending
    (so a task delivered twice builds it once)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, processed=0, error=""
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("partner", "requested_by").get(pk=job_id)
    _ensure_rollups()  # never computed yet (a new installation)
    storage = private_storage()
    stored = ""
    try:
        with tempfile.TemporaryFile() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            text.write("\ufeff")  # so spreadsheets open it as UTF-8
            with translation.override(job.requested_by.language or settings.LANGUAGE_CODE):
                rows = exports.write_export(
                    text, kind=job.kind, partner=job.partner, progress=_progress_saver(job.pk)
                )
            text.flush()
            text.detach()
            raw.seek(0)
            stored = storage.save(f"{EXPORT_FOLDER}/{secrets.token_hex(16)}.csv", File(raw))
    except Exception as error:
        logger.exception("export %s failed", job_id)
        if stored:
            storage.delete(stored)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:300],
            finished_at=timezone.now(),
        )
        return ExportJob.objects.get(pk=job_id)
    now = timezone.now()
    job.refresh_from_db(fields=["total", "processed"])
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.READY,
        file_name=stored,
        rows=rows,
        processed=max(job.total, job.processed),
        total=max(job.total, job.processed),
        finished_at=now,
        expires_at=now + EXPORT_TTL,
    )
    return ExportJob.objects.get(pk=job_id)


@transaction.atomic
def export_downloaded(*, job: ExportJob, acting_user: User) -> None:
    audit_record(
        actor=acting_user,
        action="export.downloaded",
        target=job,
        partner_id=job.partner_id,
        data={"kind": job.kind},
    )


def export_expire(*, now=None) -> int:
    """Delete the files of exports past their time and mark them expired."""
    now = now or timezone.now()
    storage = private_storage()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.READY, expires_at__lte=now):
        if job.file_name:
            storage.delete(job.file_name)
        expired += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.READY).update(
            status=ExportJob.Status.EXPIRED, file_name=""
        )
    return expired


def exports_reconcile(*, now=None) -> int:
    """Send again the exports whose enqueue was lost; fail the ones whose worker died."""
    from .tasks import export_build_task

    now = now or timezone.now()
    ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, created_at__lt=now - EXPORT_RUNNING_LIMIT
    ).update(
        status=ExportJob.Status.FAILED,
        error="The export stopped before it was finished. Please ask for it again.",
        finished_at=now,
    )
    stuck = list(
        ExportJob.objects.filter(
            status=ExportJob.Status.PENDING, created_at__lt=now - EXPORT_PENDING_GRACE
        ).values_list("pk", flat=True)
    )
    for job_id in stuck:
        export_build_task.delay(job_id)
    return len(stuck)


# --- scheduled reports ---------------------------------------------------------------------------


def previous_month(today=None) -> str:
    """The month a report sent today is about: the one before today's, as "YYYY-MM"."""
    today = today or timezone.localdate()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_label(month: str) -> str:
    """ "March 2026" in the active language."""
    year, number = (int(part) for part in month.split("-"))
    return formats.date_format(date(year, number, 1), "YEAR_MONTH_FORMAT")


def _ensure_rollups() -> None:
    """Build the roll-ups if they never were (a refresh request alone creates RefreshState)."""
    if not SummaryCount.objects.filter(scope_partner_id=None, dimension="total").exists():
        rollups_refresh()


def _report_email(
    *, user: User, template: str, partner: Partner | None, month: str, filename: str, extra=None
) -> EmailMultiAlternatives:
    """The report for one person, in their own language, with the CSV in that language too."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "partner": partner,
            "month": month_label(month),
            "headlines": report_headlines(partner=partner, month=month),
            "as_of": exports.figures_as_of(),
            "site_url": site_url(),
            **(extra or {}),
        }
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context).strip()
        csv_text = "\ufeff" + exports.aggregates_csv(partner=partner)
    message = EmailMultiAlternatives(subject, body, to=[user.email])
    message.attach(filename, csv_text.encode("utf-8"), "text/csv")
    return message


def _claim_month(*, report: str, partner: Partner | None, month: str, recipients: int) -> bool:
    """Record that this month's report goes out; False when it already did."""
    try:
        with transaction.atomic():
            ReportDelivery.objects.create(
                report=report, partner=partner, month=month, recipients=recipients
            )
    except IntegrityError:
        return False
    return True


def _recipients(users: QuerySet[User]) -> list[User]:
    return [user for user in users.order_by("pk") if user.has_real_email]


@transaction.atomic
def partner_report_send(*, partner: Partner, month: str) -> int:
    """E-mail this month's report to the partner's coordinators; returns the number of e-mails
    (0 when the month was already sent, or the partner has no coordinator to write to)."""
    coordinators = _recipients(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(partner=partner, role=StaffRole.COORDINATOR).values(
                "user_id"
            ),
        )
    )
    if not coordinators:
        return 0
    if not _claim_month(
        report=ReportDelivery.Report.PARTNER,
        partner=partner,
        month=month,
        recipients=len(coordinators),
    ):
        return 0
    for user in coordinators:
        email_send(
            _report_email(
                user=user,
                template="reporting/email/partner_report",
                partner=partner,
                month=month,
                filename=f"{partner.slug}-{month}.csv",
            )
        )
    audit_record(
        actor=None,
        action="report.sent",
        target=partner,
        partner_id=partner.pk,
        data={"report": "partner", "month": month, "recipients": len(coordinators)},
    )
    return len(coordinators)


def partner_reports_send(*, month: str | None = None) -> int:
    """Each active partner's monthly report, a transaction per partner."""
    month = month or previous_month()
    _ensure_rollups()
    sent = 0
    for partner in Partner.objects.filter(is_active=True).order_by("pk"):
        sent += partner_report_send(partner=partner, month=month)
    return sent


@transaction.atomic
def programme_report_send(*, month: str | None = None) -> int:
    """E-mail the programme's monthly summary to its admins (protected counts, as everywhere)."""
    month = month or previous_month()
    _ensure_rollups()
    admins = _recipients(User.objects.filter(is_active=True, role=Role.PROGRAMME_ADMIN))
    if not admins:
        return 0
    if not _claim_month(
        report=ReportDelivery.Report.PROGRAMME, partner=None, month=month, recipients=len(admins)
    ):
        return 0
    reach = programme_reach()
    for user in admins:
        email_send(
            _report_email(
                user=user,
                template="reporting/email/programme_report",
                partner=None,
                month=month,
                filename=f"programme-{month}.csv",
                extra=reach,
            )
        )
    audit_record(
        actor=None,
        action="report.sent",
        data={"report": "programme", "month": month, "recipients": len(admins)},
    )
    return len(admins)


# --- roll-ups on demand ----------------------------------------------------------------------


@transaction.atomic
def rollups_refresh_request(*, acting_user: User) -> RefreshState:
    """Ask for the roll-ups to be rebuilt now (the periodic job does it every 15 minutes)."""
    now = timezone.now()
    state, created = RefreshState.objects.get_or_create(pk=1, defaults={"requested_at": now})
    if not created:
        state.requested_at = now
        state.save(update_fields=["requested_at"])
    audit_record(actor=acting_user, action="reporting.refresh_requested")
    from .tasks import rollups_refresh_task

    transaction.on_commit(rollups_refresh_task.delay)
    return state
