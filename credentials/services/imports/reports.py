"""One completion a provider reports, by e-mail address and its own course id: from the
provider API or from a line of an admin's CSV file. Idempotent, and a provider learns nothing
about learners it did not enrol: an unknown e-mail address, another provider's course and an
enrolment the provider was never told about all answer "not found"."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.csv_upload import email_problem
from portal.models import User

from ...errors import EnrolmentNotAllowed
from ...import_results import CompletionResult, reason_text
from ...models import Enrolment, Provider
from ..completions import completion_enrolment_find, completion_record

MAX_API_ITEMS = 500
# Clocks differ: a completion reported as slightly in the future is accepted.
FUTURE_TOLERANCE = timedelta(days=1)


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
    if problem := email_problem(email):
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
