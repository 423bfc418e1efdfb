"""Handling an import's lines in the background, each in its own savepoint together with its
result, so a re-run (or a second worker) skips what is done and changes nothing twice."""

import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from partners.permissions import can_coordinate, is_programme_admin
from partners.selectors import verification_current_for_learner
from portal.csv_upload import email_problem
from portal.models import Role, User
from portal.services import audit_record

from ...errors import EnrolmentNotAllowed
from ...import_results import RESULTS, BulkEnrolmentResult
from ...models import Course, EnrolmentStatus, ImportJob, ImportRow
from ..enrolments import enrolment_request
from .reports import completion_report
from .uploads import EXTRA, import_job_enqueue

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows handled between two progress updates
# A job with rows left and no progress for this long lost its worker: send it again.
STUCK_AFTER = timedelta(minutes=15)


class _CompletionRows:
    def __init__(self, job: ImportJob):
        self.job = job

    def allowed(self) -> bool:
        user = self.job.created_by
        return user is not None and user.is_active and is_programme_admin(user)

    def handle(self, row: ImportRow) -> tuple[str, str]:
        outcome = completion_report(
            provider=self.job.provider,
            values=row.values,
            source="csv",
            acting_user=self.job.created_by,
        )
        return outcome.result, outcome.reason


class _BulkEnrolmentRows:
    def __init__(self, job: ImportJob):
        self.job = job
        self.courses: dict[int, Course | None] = {}

    def allowed(self) -> bool:
        user = self.job.created_by
        return user is not None and user.is_active and can_coordinate(user, self.job.partner_id)

    def _course(self, number: int) -> Course | None:
        if number not in self.courses:
            self.courses[number] = (
                Course.objects.select_related("provider").filter(pk=number).first()
            )
        return self.courses[number]

    def handle(self, row: ImportRow) -> tuple[str, str]:
        R = BulkEnrolmentResult
        values = row.values
        if values.get(EXTRA):
            return R.INVALID, "extra_values"
        email, course_text = values.get("email", ""), values.get("course", "")
        if problem := email_problem(email):
            return R.INVALID, problem
        if not course_text:
            return R.INVALID, "missing_course"
        if not course_text.isascii() or not course_text.isdigit() or len(course_text) > 18:
            return R.INVALID, "bad_course_number"
        # The course first: its answer must not depend on whose the address is.
        course = self._course(int(course_text))
        if course is None:
            return R.UNKNOWN_COURSE, "unknown_course"
        learner = (
            User.objects.filter(email__in={email, email.lower()}, role=Role.LEARNER).first()
            or User.objects.filter(email__iexact=email, role=Role.LEARNER).first()
        )
        verification = verification_current_for_learner(learner) if learner else None
        # enrolment_request uses whichever partner verifies the learner now: a coordinator
        # enrols only learners their own organisation verified (and pays with its seats). No
        # account, another partner's learner, a staff account: one answer
        # (docs/decisions/0015), as the coordinator may know only their own learners.
        if verification is None or verification.partner_id != self.job.partner_id:
            return R.NOT_VERIFIED, "not_verified"
        try:
            enrolment = enrolment_request(
                learner=learner, course=course, acting_user=self.job.created_by
            )
        except EnrolmentNotAllowed as error:
            if error.code == "duplicate":
                return R.ALREADY_ENROLLED, "already_enrolled"
            if error.code == "not_verified":
                return R.NOT_VERIFIED, "not_verified"
            return R.UNKNOWN_COURSE, "course_unavailable"
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            return R.WAITLISTED, "waitlisted"
        return R.ENROLLED, "enrolled"


def _handler_for(job: ImportJob):
    if job.kind == ImportJob.Kind.COMPLETIONS:
        return _CompletionRows(job)
    return _BulkEnrolmentRows(job)


def _handle_safely(handler, row: ImportRow) -> tuple[str, str]:
    """The row's result. A bug met on one line marks that line and the file goes on (a job that
    failed on the same line at every re-run would never finish); a database outage does not
    (the task retries)."""
    try:
        with transaction.atomic():
            return handler.handle(row)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("import %s line %s could not be handled", row.job_id, row.line)
        return RESULTS[handler.job.kind].INVALID, "internal_error"


def _progress_save(job_id: int) -> None:
    processed = ImportRow.objects.filter(job_id=job_id, processed_at__isnull=False).count()
    ImportJob.objects.filter(pk=job_id).update(processed=processed)


def import_job_process(*, job_id: int) -> int:
    """Handle a job's waiting rows, in file order; returns how many this run handled.

    Idempotent: each row is locked, handled and given its result together (a savepoint in its
    batch's transaction), and rows with a result are skipped — a re-run, or a second worker,
    changes nothing twice. Progress (`processed`) is saved after every batch, so the results
    page can show it.
    """
    job = (
        ImportJob.objects.select_related("created_by", "partner", "provider")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status == ImportJob.Status.DONE:
        return 0
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    handler = _handler_for(job)
    allowed = handler.allowed()
    handled, last_line = 0, -1
    while True:
        batch = list(
            ImportRow.objects.filter(job_id=job_id, processed_at__isnull=True, line__gt=last_line)
            .order_by("line")
            .values_list("pk", "line")[:BATCH_SIZE]
        )
        if not batch:
            break
        # One transaction per batch, a savepoint per row: a row's work and its result still
        # stand or fall together, and a crash loses at most the batch (handled again by the
        # re-run), but the commit's flush to disk is paid once per batch, not once per line.
        with transaction.atomic():
            for row_id, line in batch:
                last_line = line
                with transaction.atomic():
                    row = (
                        ImportRow.objects.select_for_update(skip_locked=True)
                        .filter(pk=row_id, processed_at__isnull=True)
                        .first()
                    )
                    if row is None:
                        continue  # another run has it, or had it
                    if allowed:
                        result, reason = _handle_safely(handler, row)
                    else:
                        result, reason = RESULTS[job.kind].INVALID, "uploader_left"
                    row.result, row.message, row.processed_at = result, reason, timezone.now()
                    row.save(update_fields=["result", "message", "processed_at"])
                handled += 1
        _progress_save(job_id)
    with transaction.atomic():
        if ImportRow.objects.filter(job_id=job_id, processed_at__isnull=True).exists():
            return handled  # rows still locked by another run: that run finishes the job
        finished = ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE)
        if finished.update(status=ImportJob.Status.DONE, processed=job.total):
            counts = dict(
                ImportRow.objects.filter(job_id=job_id)
                .values_list("result")
                .annotate(n=Count("pk"))
                .values_list("result", "n")
            )
            audit_record(
                actor=None,
                action=f"import.{job.kind}.done",
                target=job,
                partner_id=job.partner_id,
                data={"counts": counts},
            )
    return handled


def import_jobs_reconcile() -> int:
    """Send again the jobs that seem to have lost their worker (no progress for a while);
    safe because processing is idempotent."""
    cutoff = timezone.now() - STUCK_AFTER
    stuck = list(
        ImportJob.objects.exclude(status=ImportJob.Status.DONE)
        .filter(created_at__lt=cutoff)
        .annotate(last=Max("rows__processed_at"))
        .filter(Q(last__isnull=True) | Q(last__lt=cutoff))
        .values_list("pk", flat=True)
    )
    for job_id in stuck:
        import_job_enqueue(job_id)
    return len(stuck)
