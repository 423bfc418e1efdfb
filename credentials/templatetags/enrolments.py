"""Helpers for the learner's courses on their dashboard (the rows themselves come from
`credentials.waitlist.enrolments_of_learner_with_places`, through `learners.status`)."""

from django import template
from django.utils.translation import gettext as _

from ..models import Enrolment

register = template.Library()

# Set by the waiting-list promotion (credentials/services/enrolments.py), in English for staff.
VERIFICATION_EXPIRED_WHILE_WAITING = "verification expired while waiting"


@register.simple_tag
def failure_in_plain_words(enrolment: Enrolment) -> str:
    """Why access could not be set up, for the learner: never the provider's own error text."""
    if "access code" in enrolment.failure_reason:
        return _("The provider's access codes for this course had all been given out.")
    return _("The course provider's system did not confirm your access.")


@register.simple_tag
def revoke_reason_for_learner(enrolment: Enrolment) -> str:
    if enrolment.revoke_reason == VERIFICATION_EXPIRED_WHILE_WAITING:
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
