"""Who may do what with partners and applications — one place for views, selectors, API, admin."""

from .models import Application, Membership, Partner, StaffRole
from .reach import application_in_reach


def membership_for(user, partner: Partner | int) -> Membership | None:
    if not user.is_authenticated or not user.is_partner_staff:
        return None
    partner_id = partner if isinstance(partner, int) else partner.pk
    # Memberships are few per user; cache them on the user object for the request.
    cache = getattr(user, "_membership_cache", None)
    if cache is None:
        cache = {m.partner_id: m for m in Membership.objects.filter(user=user)}
        user._membership_cache = cache
    return cache.get(partner_id)


def partner_ids_for_staff(user) -> list[int]:
    if not user.is_authenticated or not user.is_partner_staff:
        return []
    membership_for(user, 0)
    return list(user._membership_cache)


def can_review_for(user, partner: Partner | int) -> bool:
    return membership_for(user, partner) is not None


def can_coordinate(user, partner: Partner | int) -> bool:
    membership = membership_for(user, partner)
    return membership is not None and membership.role == StaffRole.COORDINATOR


def can_review_application(user, application: Application) -> bool:
    """Staff of the application's partner, while its learner is still with the partner (their
    current application is this partner's: partners/reach.py)."""
    return can_review_for(user, application.partner_id) and application_in_reach(application)


def is_own_application(user, application: Application) -> bool:
    return user.is_authenticated and application.learner_id == user.pk


def is_programme_admin(user) -> bool:
    return user.is_authenticated and user.is_programme_admin
