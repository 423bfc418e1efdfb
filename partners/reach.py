"""Which learners a partner's staff can reach: the one rule, for every staff page, service and API.

A partner's staff (reviewers, coordinators, the partner's API keys) act on a learner only while
the learner's *current* application — their latest one, whatever its state — is with that
partner, and while the account is active (an erased account is inactive). A learner whose
current application is with another partner, or who has none, is out of reach: every staff
page, action and API call answers 404, exactly as for someone who does not exist.

"Current" is the latest application by (created_at, id), the order the learner's own dashboard
uses (selectors.application_current_for_learner). An open or approved application is always the
current one (one live application per learner, decision 0006), so only expired, rejected and
withdrawn applications can fall out of reach: when the learner has since applied elsewhere.

Everything here is a queryset filter (a correlated subquery answered from the
application_learner_latest index, one index probe per row), so a page costs the same number of
queries with it as without it. See docs/decisions/0013-staff-reach-current-application.md.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from portal.models import Role, User

from .models import Application, Partner

_CURRENT_PARTNER = "_reach_current_partner"


def current_partner_subquery(learner_ref: str) -> Subquery:
    """The partner id of the latest application of the learner `learner_ref` names (an
    OuterRef path to a user id); NULL when they have none."""
    return Subquery(
        Application.objects.filter(learner_id=OuterRef(learner_ref))
        .order_by("-created_at", "-pk")
        .values("partner_id")[:1]
    )


def _partner_id(partner: Partner | int) -> int:
    return partner if isinstance(partner, int) else partner.pk


def in_reach(queryset: QuerySet, *, partner: Partner | int, learner_field: str) -> QuerySet:
    """Rows of `queryset` whose learner (the foreign key `learner_field`, or "" when the rows are
    users themselves) is currently with `partner` and still active."""
    partner_id = _partner_id(partner)
    if learner_field:
        ref, active = f"{learner_field}_id", {f"{learner_field}__is_active": True}
    else:
        ref, active = "pk", {"is_active": True}
    return (
        queryset.filter(**active)
        .alias(**{_CURRENT_PARTNER: current_partner_subquery(ref)})
        .filter(**{_CURRENT_PARTNER: partner_id})
    )


def learners_in_reach(partner: Partner | int) -> QuerySet[User]:
    """Learners whose current application is with `partner`."""
    return in_reach(User.objects.filter(role=Role.LEARNER), partner=partner, learner_field="")


def applications_in_reach(partner: Partner | int) -> QuerySet[Application]:
    """The partner's applications whose learner is still with the partner (their current
    application is this partner's). An older application with this partner of a learner who has
    since applied elsewhere is not among them."""
    return in_reach(
        Application.objects.filter(partner_id=_partner_id(partner)),
        partner=partner,
        learner_field="learner",
    )


def learner_in_reach(*, partner: Partner | int, learner_id: int) -> bool:
    return learners_in_reach(partner).filter(pk=learner_id).exists()


def application_in_reach(application: Application) -> bool:
    """Whether the application's own partner may still act on it (one query)."""
    return applications_in_reach(application.partner_id).filter(pk=application.pk).exists()
