"""What the learner's page says comes next, from where the learner really is: the line under an
approved application follows their courses (being set up, waiting for a seat, open, completed,
certificate issued) instead of promising course access they already have."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from credentials.models import Enrolment, EnrolmentStatus
from partners.models import Application, ApplicationStatus


@dataclass(frozen=True)
class LearnerCourses:
    # Newest first; waitlisted ones carry `waiting_place`.
    enrolments: list[Enrolment]
    # The sentence under an approved application; "" for any other state (its card says it all).
    next_step: str
    # Only a verified learner may ask for another course.
    may_enrol: bool


def _next_step(latest: Enrolment | None) -> str:
    if latest is None:
        return _("Next comes free access to courses: you will find it on this page.")
    status = latest.status
    if status in (EnrolmentStatus.REQUESTED, EnrolmentStatus.PROVISIONING):
        return _("Your access to a course is being set up: see below.")
    if status == EnrolmentStatus.WAITLISTED:
        return _("You are on the waiting list for a course: your place is shown below.")
    if status == EnrolmentStatus.ACTIVE:
        return _("You have free access to a course: how to start is below.")
    if status == EnrolmentStatus.COMPLETED:
        if getattr(latest, "credential", None) is not None:
            return _(
                "You completed a course and received your certificate. You may choose another "
                "course whenever you wish."
            )
        return _("You completed a course. Your certificate is being prepared; it will appear here.")
    return _("You can now choose courses to take for free.")  # failed or revoked


def learner_courses(enrolments: list[Enrolment], application: Application | None) -> LearnerCourses:
    """The next-step line for the learner's current application, from their courses (newest first,
    as `learners.selectors.learner_dashboard` reads them, with their waiting places): no query."""
    approved = application is not None and application.status == ApplicationStatus.APPROVED
    return LearnerCourses(
        enrolments=enrolments,
        next_step=_next_step(enrolments[0] if enrolments else None) if approved else "",
        may_enrol=approved,
    )
