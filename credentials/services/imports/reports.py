"""One completion a provider reports, naming the learner by exactly one of their learner
reference at this provider, the voucher code they were given, or their e-mail address, and the
course by the provider's own id: from the provider API or from a line of an admin's CSV file.
Idempotent, and a provider learns nothing about learners it did not enrol: an unknown e-mail
address, code or reference (another provider's reference included), another provider's course
and an enrolment the provider was never told about all answer "not found"."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.csv_upload import email_problem
from portal.models import User

from ...errors import EnrolmentNotAllowed
from ...import_results import CompletionResult, reason_text
from ...models import Provider
from ...references import reference_normalise
from ..completions import (
    BY_CODE,
    BY_EMAIL,
    BY_REFERENCE,
    IDENTIFIERS,
    completion_enrolment_find,
    completion_enrolments,
    completion_record,
)

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


# The stored reason when the learner cannot be found, by how they were named: the same sentence
# whether or not the value exists elsewhere (another provider's reference, another's code).
NOT_FOUND_REASONS = {
    BY_EMAIL: "not_found",
    BY_REFERENCE: "not_found_reference",
    BY_CODE: "not_found_code",
}


def _learner_named(values: dict) -> tuple[str, str, str]:
    """(identifier, value, reason code if the learner is not named right)."""
    given = {name: _text(values.get(name)) for name in IDENTIFIERS}
    if any(value is None for value in given.values()):
        return "", "", "bad_identifier"
    named = [name for name in IDENTIFIERS if given[name]]
    if not named:
        return "", "", "missing_learner"
    if len(named) > 1:
        return "", "", "several_learners"
    identifier = named[0]
    value = given[identifier] or ""
    if identifier == BY_REFERENCE:
        reference = reference_normalise(value)
        if reference is None:
            return "", "", "bad_reference"
        return identifier, reference, ""
    if identifier == BY_EMAIL and (problem := email_problem(value)):
        return "", "", problem
    return identifier, value, ""


def completion_values_check(values: dict) -> tuple[dict, str]:
    """({identifier, value, course_id, completed_at, grade}, reason code if the report is
    invalid). `identifier` says how the learner is named: learner_reference, code or email."""
    course_id = _text(values.get("course_id"))
    completed_text, grade = _text(values.get("completed_at")), _text(values.get("grade"))
    if values.get("_extra"):
        return {}, "extra_values"
    identifier, value, problem = _learner_named(values)
    if problem:
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
        "identifier": identifier,
        "value": value,
        "course_id": course_id,
        "completed_at": completed_at,
        "grade": grade,
    }, ""


def completion_report(
    *, provider: Provider, values: dict, source: str, acting_user: User | None = None
) -> CompletionOutcome:
    """Record one completion a provider reports (the learner by reference, code or e-mail; the
    course by its own id). Idempotent:
    the same report again answers "already completed" and changes nothing."""
    checked, problem = completion_values_check(values)
    if problem:
        return CompletionOutcome(CompletionResult.INVALID, problem)
    named = {
        "provider": provider,
        "course_id": checked["course_id"],
        "identifier": checked["identifier"],
        "value": checked["value"],
    }
    enrolment = completion_enrolment_find(**named)
    if enrolment is None:
        # Only an enrolment that reached the provider (it was active once) may be told apart
        # as no longer active; anything else is simply not found.
        if completion_enrolments(**named).filter(activated_at__isnull=False).exists():
            return CompletionOutcome(CompletionResult.NOT_ACTIVE, "not_active")
        return CompletionOutcome(
            CompletionResult.NOT_FOUND, NOT_FOUND_REASONS[checked["identifier"]]
        )
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
