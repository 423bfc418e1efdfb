"""Completion reports (provider API and admins' CSV files) and coordinators' bulk enrolment files.

A CSV file is checked as a whole when it is uploaded (encoding, header, size) and stored as an
ImportJob with one ImportRow per line; a background job then handles the rows in order, each in
its own transaction together with its result, so a re-run skips what is done and changes nothing.

A provider learns nothing about learners it did not enrol: an unknown e-mail address, another
provider's course and an enrolment the provider was never told about all answer "not found".
"""

import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Page, Paginator
from django.core.validators import validate_email
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import Partner
from partners.permissions import can_coordinate, is_programme_admin
from partners.selectors import verification_current_for_learner
from portal.models import Role, User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed
from ..models import (
    AccessMethod,
    Course,
    Enrolment,
    EnrolmentStatus,
    ImportJob,
    ImportRow,
    Provider,
)
from .completions import completion_enrolment_find, completion_record
from .enrolments import enrolment_request

logger = logging.getLogger(__name__)

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 20_000
MAX_VALUE_CHARS = 300  # longer values are invalid anyway; bounds what a row stores
MAX_API_ITEMS = 500
BATCH_SIZE = 100  # rows handled between two progress updates
ROWS_PAGE_SIZE = 100
RECENT_JOBS = 20
# A job with rows left and no progress for this long lost its worker: send it again.
STUCK_AFTER = timedelta(minutes=15)
# Clocks differ: a completion reported as slightly in the future is accepted.
FUTURE_TOLERANCE = timedelta(days=1)

COMPLETION_COLUMNS = ("email", "course_id", "completed_at", "grade")
COMPLETION_REQUIRED = ("email", "course_id")
BULK_COLUMNS = ("email", "course")
BULK_REQUIRED = ("email", "course")
# "course_id" is accepted as the name of the column holding the portal's course number.
BULK_ALIASES = {"course_id": "course"}


class CompletionResult(models.TextChoices):
    COMPLETED = "completed", gettext_lazy("Completed")
    ALREADY_COMPLETED = "already_completed", gettext_lazy("Already completed")
    NOT_FOUND = "not_found", gettext_lazy("Not found")
    NOT_ACTIVE = "not_active", gettext_lazy("Not active")
    INVALID = "invalid", gettext_lazy("Invalid")


class BulkEnrolmentResult(models.TextChoices):
    ENROLLED = "enrolled", gettext_lazy("Enrolled")
    WAITLISTED = "waitlisted", gettext_lazy("On the waiting list")
    NOT_VERIFIED = "not_verified", gettext_lazy("Not verified by you")
    UNKNOWN_COURSE = "unknown_course", gettext_lazy("Unknown course")
    ALREADY_ENROLLED = "already_enrolled", gettext_lazy("Already enrolled")
    INVALID = "invalid", gettext_lazy("Invalid")


RESULTS = {
    ImportJob.Kind.COMPLETIONS: CompletionResult,
    ImportJob.Kind.BULK_ENROLMENT: BulkEnrolmentResult,
}
# Results that are not problems: left out of the error report.
SUCCESSES = {
    ImportJob.Kind.COMPLETIONS: {CompletionResult.COMPLETED, CompletionResult.ALREADY_COMPLETED},
    ImportJob.Kind.BULK_ENROLMENT: {BulkEnrolmentResult.ENROLLED, BulkEnrolmentResult.WAITLISTED},
}

# Why a row has its result. The code is stored (ImportRow.message); the sentence is written when
# it is shown, in the language of whoever reads it.
REASONS = {
    "extra_values": gettext_lazy("This line has more values than the header has columns."),
    "missing_email": gettext_lazy("The e-mail address is missing."),
    "invalid_email": gettext_lazy("This is not a valid e-mail address."),
    "missing_course": gettext_lazy("The course is missing."),
    "bad_value": gettext_lazy("The course id and the grade must be plain text."),
    "bad_course_number": gettext_lazy(
        "The course must be the portal's course number (digits only)."
    ),
    "bad_date": gettext_lazy(
        "The completion date must look like 2025-03-31 or 2025-03-31T14:30:00Z."
    ),
    "future_date": gettext_lazy("The completion date is in the future."),
    "grade_too_long": gettext_lazy("The grade is longer than 50 characters."),
    "completed": gettext_lazy("The enrolment is now completed."),
    "already_completed": gettext_lazy("This enrolment was already completed; nothing changed."),
    "not_found": gettext_lazy(
        "No active enrolment with this provider matches this e-mail address and course."
    ),
    "not_active": gettext_lazy(
        "This enrolment is no longer active (it was withdrawn), so it cannot be completed."
    ),
    "enrolled": gettext_lazy("A seat was given; access is being set up."),
    "waitlisted": gettext_lazy("No seat is free; the learner is on the waiting list."),
    # The same sentence whether or not the address has an account (docs/decisions/0015).
    "not_verified": gettext_lazy(
        "No learner whose current verification is with your organisation uses this e-mail "
        "address, so nobody was enrolled."
    ),
    "unknown_course": gettext_lazy("No course has this number."),
    "course_unavailable": gettext_lazy("This course is not available."),
    "already_enrolled": gettext_lazy(
        "The learner is already enrolled in this course or on its waiting list."
    ),
    "internal_error": gettext_lazy(
        "This line could not be handled because of an error in the portal; please try it again "
        "later or tell the programme team."
    ),
    "uploader_left": gettext_lazy(
        "The person who uploaded the file may no longer do this; nothing was changed."
    ),
}


def reason_text(code: str) -> str:
    """The sentence for a stored reason code, in the active language ("" if none)."""
    message = REASONS.get(code)
    return str(message) if message is not None else code


# --- reading a CSV file -------------------------------------------------------------------------


def _read_csv(
    csv_file: UploadedFile,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    aliases: dict[str, str] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank data line. Raises ValidationError with
    a message for the person when the file cannot be used at all; then nothing is stored."""
    aliases = aliases or {}
    too_big = ValidationError(
        _("The file is larger than 2 MB. Please split it into smaller files."), code="too_big"
    )
    if csv_file.size is not None and csv_file.size > MAX_CSV_BYTES:
        raise too_big
    raw = csv_file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise too_big
    not_utf8 = ValidationError(
        _(
            "The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and "
            "upload it again."
        ),
        code="encoding",
    )
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark; it does not matter
    except UnicodeDecodeError as error:
        raise not_utf8 from error
    if "\x00" in text:  # UTF-16 ("Unicode text") files decode, but are full of NULs
        raise not_utf8
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    optional = [c for c in columns if c not in required]
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ValidationError(_("The file is empty."), code="empty")
        names = [aliases.get(h.strip().lower(), h.strip().lower()) for h in header]
        unknown = [n for n in names if n and n not in columns]
        missing = [c for c in required if c not in names]
        if missing or unknown or len(set(names)) != len(names):
            raise ValidationError(
                _(
                    "The first line must name the columns: %(columns)s (%(optional)s may be "
                    "left out). This file's first line is: %(header)s"
                )
                % {
                    "columns": ",".join(columns),
                    "optional": ", ".join(optional) or "-",
                    "header": ",".join(header)[:200],
                },
                code="header",
            )
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s lines. Please split it into smaller files.")
                    % {"max": f"{MAX_CSV_ROWS:,}"},
                    code="too_many_rows",
                )
            record = {
                name: (values[i].strip()[:MAX_VALUE_CHARS] if i < len(values) else "")
                for i, name in enumerate(names)
                if name
            }
            if any(v.strip() for v in values[len(names) :]):
                record["_extra"] = "1"
            rows.append((reader.line_num, record))
    except csv.Error as error:
        raise ValidationError(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num},
            code="csv",
        ) from error
    if not rows:
        raise ValidationError(_("The file has a header line but no data lines."), code="no_rows")
    return rows


def _job_create(
    *,
    kind: str,
    records: list[tuple[int, dict[str, str]]],
    acting_user: User,
    partner: Partner | None = None,
    provider: Provider | None = None,
) -> ImportJob:
    job = ImportJob.objects.create(
        kind=kind,
        partner=partner,
        provider=provider,
        created_by=acting_user,
        total=len(records),
    )
    ImportRow.objects.bulk_create(
        [ImportRow(job=job, line=line, values=values) for line, values in records],
        batch_size=1000,
    )
    audit_record(
        actor=acting_user,
        action=f"import.{kind}.created",
        target=job,
        partner_id=partner.pk if partner else None,
        data={"rows": len(records), "provider": provider.pk if provider else None},
    )
    _enqueue(job.pk)
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks_imports import import_job_process_task

    import_job_process_task.delay_on_commit(job_id)


@transaction.atomic
def completion_import_create(
    *, provider: Provider, csv_file: UploadedFile, acting_user: User
) -> ImportJob:
    """A programme admin uploads a provider's completions; they are recorded in the background."""
    if not is_programme_admin(acting_user):
        raise ValidationError(_("Only programme admins can import completions."), code="forbidden")
    records = _read_csv(csv_file, columns=COMPLETION_COLUMNS, required=COMPLETION_REQUIRED)
    return _job_create(
        kind=ImportJob.Kind.COMPLETIONS,
        records=records,
        acting_user=acting_user,
        provider=provider,
    )


@transaction.atomic
def bulk_enrolment_create(
    *, partner: Partner, csv_file: UploadedFile, acting_user: User
) -> ImportJob:
    """A coordinator enrols learners their organisation verified, from a file, in the background."""
    if not can_coordinate(acting_user, partner):
        raise ValidationError(_("Only a coordinator can enrol learners."), code="forbidden")
    if not partner.is_active:
        raise ValidationError(
            _("This organisation is not active on the portal, so it cannot enrol learners."),
            code="inactive",
        )
    records = _read_csv(
        csv_file, columns=BULK_COLUMNS, required=BULK_REQUIRED, aliases=BULK_ALIASES
    )
    return _job_create(
        kind=ImportJob.Kind.BULK_ENROLMENT,
        records=records,
        acting_user=acting_user,
        partner=partner,
    )


# --- completions: one report, from the API or a CSV line ----------------------------------------


@dataclass(frozen=True)
class CompletionOutcome:
    result: str
    reason: str
    changed: bool = False

    @property
    def detail(self) -> str:
        return reason_text(self.reason)


def _text(value) -> str | None:
    """A reported value as text; None when it is not a string or a number (or holds a NUL,
    which the database cannot store)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return None if "\x00" in text else text


def _email_problem(email: str) -> str:
    if not email:
        return "missing_email"
    try:
        validate_email(email)
    except ValidationError:
        return "invalid_email"
    return "invalid_email" if len(email) > 254 else ""


def _completed_at_parse(text: str) -> datetime | None:
    """ISO 8601 date or date-time; a date alone is midnight, a time without zone is UTC (the
    portal's time zone). Raises ValueError when it is neither."""
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def completion_values_check(values: dict) -> tuple[dict, str]:
    """({email, course_id, completed_at, grade}, reason code if the report is invalid)."""
    email, course_id = _text(values.get("email")), _text(values.get("course_id"))
    completed_text, grade = _text(values.get("completed_at")), _text(values.get("grade"))
    if values.get("_extra"):
        return {}, "extra_values"
    if email is None:
        return {}, "invalid_email"
    if problem := _email_problem(email):
        return {}, problem
    if course_id is None or grade is None:
        return {}, "bad_value"
    if not course_id:
        return {}, "missing_course"
    try:
        if completed_text is None:
            raise ValueError("not text")
        completed_at = _completed_at_parse(completed_text)
    except ValueError:
        return {}, "bad_date"
    if completed_at is not None and completed_at > timezone.now() + FUTURE_TOLERANCE:
        return {}, "future_date"
    if len(grade) > 50:
        return {}, "grade_too_long"
    return {
        "email": email,
        "course_id": course_id,
        "completed_at": completed_at,
        "grade": grade,
    }, ""


def _provider_knew_of(*, provider: Provider, email: str, course_id: str) -> bool:
    """Whether an enrolment of this learner in this provider's course ever reached the provider
    (it was active once) — only then may the provider hear that it is no longer active."""
    return Enrolment.objects.filter(
        course__provider=provider,
        course__external_id=course_id,
        learner__email__iexact=email,
        activated_at__isnull=False,
    ).exists()


def completion_report(
    *, provider: Provider, values: dict, source: str, acting_user: User | None = None
) -> CompletionOutcome:
    """Record one completion a provider reports (by e-mail and its own course id). Idempotent:
    the same report again answers "already completed" and changes nothing."""
    checked, problem = completion_values_check(values)
    if problem:
        return CompletionOutcome(CompletionResult.INVALID, problem)
    enrolment = completion_enrolment_find(
        provider=provider, email=checked["email"], course_id=checked["course_id"]
    )
    if enrolment is None:
        if _provider_knew_of(
            provider=provider, email=checked["email"], course_id=checked["course_id"]
        ):
            return CompletionOutcome(CompletionResult.NOT_ACTIVE, "not_active")
        return CompletionOutcome(CompletionResult.NOT_FOUND, "not_found")
    try:
        _enrolment, changed = completion_record(
            enrolment=enrolment,
            completed_at=checked["completed_at"],
            grade=checked["grade"],
            source=source,
            acting_user=acting_user,
        )
    except EnrolmentNotAllowed:
        return CompletionOutcome(CompletionResult.NOT_ACTIVE, "not_active")
    if changed:
        return CompletionOutcome(CompletionResult.COMPLETED, "completed", changed=True)
    return CompletionOutcome(CompletionResult.ALREADY_COMPLETED, "already_completed")


# --- processing a job in the background ---------------------------------------------------------


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
        if values.get("_extra"):
            return R.INVALID, "extra_values"
        email, course_text = values.get("email", ""), values.get("course", "")
        if problem := _email_problem(email):
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
        _enqueue(job_id)
    return len(stuck)


# --- reads for the pages ------------------------------------------------------------------------


def completion_jobs_for_admin(user: User) -> list[ImportJob]:
    """The admin's own recent completion uploads (each admin sees the rows they uploaded)."""
    if not is_programme_admin(user):
        raise Http404
    return list(
        ImportJob.objects.filter(kind=ImportJob.Kind.COMPLETIONS, created_by=user)
        .select_related("provider")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )


def completion_job_get_for_admin_or_404(user: User, pk: int) -> ImportJob:
    """Only the admin who uploaded the file sees its rows; 404 for anyone else."""
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(
        ImportJob.objects.select_related("provider"),
        pk=pk,
        kind=ImportJob.Kind.COMPLETIONS,
        created_by=user,
    )


def bulk_jobs_of_partner(partner: Partner) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(kind=ImportJob.Kind.BULK_ENROLMENT, partner=partner)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )


def bulk_job_get_for_coordinator_or_404(user: User, partner: Partner, pk: int) -> ImportJob:
    if not can_coordinate(user, partner):
        raise Http404
    return get_object_or_404(
        ImportJob.objects.select_related("created_by"),
        pk=pk,
        kind=ImportJob.Kind.BULK_ENROLMENT,
        partner=partner,
    )


def bulk_enrolment_courses(partner: Partner, limit: int = 500) -> QuerySet[Course]:
    """The courses a coordinator may want to enrol learners in, with their numbers: those of
    providers where the partner has seats, and open ones (one query)."""
    return (
        Course.objects.filter(is_active=True, provider__is_active=True)
        .filter(
            Q(provider__allocations__partner=partner, provider__allocations__total__gt=0)
            | Q(provider__access_method=AccessMethod.OPEN)
        )
        .select_related("provider")
        .distinct()
        .order_by("provider__name", "title", "pk")[:limit]
    )


def import_result_counts(job: ImportJob) -> list[tuple[str, str, int]]:
    """(result, label, count) for every possible result of the job's kind (one query)."""
    choices = RESULTS[job.kind]
    found = job.rows.aggregate(
        **{value: Count("pk", filter=Q(result=value)) for value in choices.values}
    )
    return [(value, label, found[value]) for value, label in choices.choices]


def import_rows_page(job: ImportJob, page_number: str | int | None) -> Page:
    """One page of the job's lines in file order, each with its reason as a sentence. The job
    already knows how many lines it has: no COUNT query."""
    paginator = Paginator(job.rows.order_by("line", "pk"), ROWS_PAGE_SIZE)
    paginator.count = job.total
    page = paginator.get_page(page_number)
    choices = dict(RESULTS[job.kind].choices)
    page.object_list = list(page.object_list)
    for row in page.object_list:
        row.result_label = choices.get(row.result, "")
        row.reason = reason_text(row.message) if row.message else ""
    return page


def import_problem_rows(job: ImportJob):
    """The job's handled rows that are not a success, in file order, streamed in chunks."""
    return (
        job.rows.filter(processed_at__isnull=False)
        .exclude(result__in=SUCCESSES[job.kind])
        .order_by("line", "pk")
        .iterator(chunk_size=2000)
    )


def import_result_label(job: ImportJob, result: str) -> str:
    return str(dict(RESULTS[job.kind].choices).get(result, result))
