"""What a line of an import can come to, and why: results by kind of import, and the reasons,
stored as codes and written out in the reader's language when they are shown."""

from django.db import models
from django.utils.translation import gettext_lazy

from portal.csv_upload import ROW_REASONS

from .models import ImportJob


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
    **ROW_REASONS,
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
    # The same sentence for a reference (or code) that exists nowhere and for one of another
    # provider: a provider learns nothing about other providers' learners.
    "not_found_reference": gettext_lazy(
        "No active enrolment with this provider matches this learner reference and course."
    ),
    "not_found_code": gettext_lazy(
        "No active enrolment with this provider matches this access code and course."
    ),
    "missing_learner": gettext_lazy(
        "Say who completed the course: give their learner reference, their access code or "
        "their e-mail address."
    ),
    "several_learners": gettext_lazy(
        "Give only one of learner reference, access code and e-mail address."
    ),
    "bad_identifier": gettext_lazy(
        "The learner reference, the access code and the e-mail address must be plain text."
    ),
    "bad_reference": gettext_lazy(
        "This is not a learner reference: a learner reference has 12 letters and digits, "
        "like K7QM-3XW9-PA2D."
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


def result_label(kind: str, result: str) -> str:
    return str(dict(RESULTS[kind].choices).get(result, result))
