"""Where a waiting learner stands: their number on the waiting list, read in the order seats are
given out (`services.enrolments.waitlist_promote`: per partner and provider, oldest
`waitlisted_at` first, then lowest id)."""

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from portal.models import User

from .models import Enrolment, EnrolmentStatus, LearnerReference


def _waiting_ahead() -> Subquery:
    """How many enrolments wait before the outer one for the same partner's seats at the same
    provider (one correlated COUNT, answered by the (status, waitlisted_at, id) index)."""
    ahead = (
        Enrolment.objects.filter(
            status=EnrolmentStatus.WAITLISTED,
            partner_id=OuterRef("partner_id"),
            course__provider_id=OuterRef("course__provider_id"),
        )
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), 0)


def enrolments_of_learner_with_places(user: User) -> list[Enrolment]:
    """The learner's enrolments, newest first, with course, provider, access code and credential;
    each waitlisted one carries `waiting_place` (1 = next to get a seat), others None, and
    `learner_reference` / `shares_email`: the learner's reference at the course's provider
    (canonical; None before they were first given access there) and their choice to share their
    e-mail address with it. One query, whatever the number of enrolments or of people waiting."""
    if not user.is_authenticated:
        return []
    reference = LearnerReference.objects.filter(
        learner_id=OuterRef("learner_id"), provider_id=OuterRef("course__provider_id")
    )
    return list(
        Enrolment.objects.filter(learner=user)
        .select_related("course__provider", "access_code", "credential")
        .annotate(
            waiting_place=Case(
                When(status=EnrolmentStatus.WAITLISTED, then=_waiting_ahead() + 1),
                default=None,
                output_field=IntegerField(),
            ),
            learner_reference=Subquery(reference.values("reference")[:1]),
            shares_email=Subquery(reference.values("share_email")[:1]),
        )
        .order_by("-requested_at", "-pk")
    )
