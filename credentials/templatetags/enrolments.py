"""Formatting of a learner's courses, for their dashboard and e-mails. Formatting only: the
enrolments come from the view (learners.selectors.learner_dashboard), with course and provider."""

from django import template
from django.utils.translation import gettext as _

from ..models import Enrolment, EnrolmentFailureCause, EnrolmentRevokeCause
from ..references import reference_display as _reference_display

register = template.Library()


@register.simple_tag
def failure_in_plain_words(enrolment: Enrolment) -> str:
    """Why access could not be set up, for the learner: never the provider's own error text."""
    if enrolment.failure_cause == EnrolmentFailureCause.NO_ACCESS_CODES:
        return _("The provider's access codes for this course had all been given out.")
    return _("The course provider's system did not confirm your access.")


@register.simple_tag
def revoke_reason_for_learner(enrolment: Enrolment) -> str:
    if enrolment.revoke_cause == EnrolmentRevokeCause.VERIFICATION_EXPIRED:
        return _("Your verification expired while you were on the waiting list.")
    return enrolment.revoke_reason


@register.simple_tag
def access_link_for(enrolment: Enrolment) -> str:
    """Where the learner starts: the provider's link for them, else the course's own page.
    Only web addresses are used (a provider's answer is not trusted to be one)."""
    for link in (enrolment.access_link, enrolment.course.link):
        if link.startswith(("https://", "http://")):
            return link
    return ""


@register.filter
def reference_display(reference: str | None) -> str:
    """A learner reference as the learner reads and types it: K7QM-3XW9-PA2D."""
    return _reference_display(reference) if reference else ""
