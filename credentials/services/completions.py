"""Completions reported by providers (API) or admins (CSV); a repeated report changes nothing."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed
from ..models import Course, Enrolment, EnrolmentStatus, Provider
from ..signals import enrolment_completed
from .notifications import enrolment_learner_notify


def completion_enrolment_find(
    *, provider: Provider, email: str, course_id: str
) -> Enrolment | None:
    """The enrolment a provider means: by the learner's e-mail and the provider's course id."""
    # The learner first, by the index on UPPER(email): as one join, the planner may scan
    # the provider's enrolments instead.
    learner_ids = list(
        User.objects.filter(email__iexact=email.strip()).values_list("pk", flat=True)
    )
    if not learner_ids:
        return None
    return (
        Enrolment.objects.filter(
            course__provider=provider,
            course__external_id=course_id,
            learner_id__in=learner_ids,
            status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED],
        )
        .order_by("-requested_at")
        .first()
    )


@transaction.atomic
def completion_record(
    *,
    enrolment: Enrolment,
    completed_at: datetime | None = None,
    grade: str = "",
    source: str,
    acting_user: User | None = None,
) -> tuple[Enrolment, bool]:
    """Mark an active enrolment completed. Returns (enrolment, changed); a repeated report of
    an already completed enrolment changes nothing and fires nothing."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("learner", "course__provider")
        .get(pk=enrolment.pk)
    )
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return enrolment, False
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise EnrolmentNotAllowed(
            _("Only an active enrolment can be completed (this one is “%(status)s”).")
            % {"status": enrolment.get_status_display()},
            code="illegal",
        )
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = completed_at or timezone.now()
    enrolment.grade = (grade or "")[:50]
    enrolment.save(update_fields=["status", "completed_at", "grade", "updated_at"])
    audit_record(
        actor=acting_user,
        action="enrolment.completed",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"source": source},
    )
    enrolment_learner_notify(enrolment=enrolment, event="completed")
    enrolment_id = enrolment.pk
    # The hook credential issuance listens to; sent only once the completion is committed.
    transaction.on_commit(
        lambda: enrolment_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    )
    return enrolment, True


__all__ = ["Course", "completion_enrolment_find", "completion_record"]
