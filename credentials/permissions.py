"""Who may do what with courses, seats and enrolments — one place for views, selectors and admin.

Built on the partners' predicates: a partner's coordinators look after its seats and enrolments;
programme admins allocate seats and import codes, and never see individual learners.
"""

from partners.permissions import can_coordinate, is_programme_admin
from partners.reach import learner_in_reach
from partners.selectors import verification_current_for_learner
from portal.models import User

from .models import Enrolment


def can_enrol(user: User) -> bool:
    """Only learners enrol (staff and admins browse the catalogue but have no button)."""
    return user.is_authenticated and user.is_learner


def learner_may_enrol_now(user: User) -> bool:
    """A learner whose status a partner has confirmed, and whose confirmation is still valid."""
    return can_enrol(user) and verification_current_for_learner(user) is not None


def can_see_partner_enrolments(user: User, partner_id: int) -> bool:
    return can_coordinate(user, partner_id)


def can_revoke_enrolment(user: User, enrolment: Enrolment) -> bool:
    """A coordinator of the enrolment's partner, while the learner is still with it (their
    current application is the partner's: partners/reach.py)."""
    return can_coordinate(user, enrolment.partner_id) and learner_in_reach(
        partner=enrolment.partner_id, learner_id=enrolment.learner_id
    )


def can_manage_seats(user: User) -> bool:
    """Allocating seats and importing access codes: programme admins."""
    return is_programme_admin(user)
