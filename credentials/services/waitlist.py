"""Telling waiting learners that they moved up the waiting list (after `waitlist_promote` gave
seats out), without flooding them. docs/decisions/0023-learner-messages.md."""

from django.db import transaction
from django.utils import timezone

from portal.models import AuditEvent
from portal.services import audit_record

from ..models import Enrolment, EnrolmentStatus
from .notifications import enrolment_learner_notify, waitlist_moved_key

# Telling waiting learners that they moved up, without flooding them: a learner hears at most
# once a day per enrolment, and only when it means something — from place 10 on, every move;
# further back, when they pass one of these places.
WAITLIST_NOTIFY_EVERY_MOVE_WITHIN = 10
WAITLIST_NOTIFY_THRESHOLDS = (20, 50, 100, 200, 500)
WAITLIST_MOVED_ACTION = "enrolment.waitlist_moved_notice"


def waitlist_moved_worth_telling(*, old: int, new: int) -> bool:
    if new >= old:
        return False
    if new <= WAITLIST_NOTIFY_EVERY_MOVE_WITHIN:
        return True
    return any(new <= threshold < old for threshold in WAITLIST_NOTIFY_THRESHOLDS)


@transaction.atomic
def waitlist_moved_notify(*, partner_id: int, provider_id: int, moved_by: int) -> int:
    """After `moved_by` learners left the head of this waiting list, tell those still waiting
    their new place (waitlist_moved_worth_telling; once a day per enrolment, recorded in the
    audit log). Reads only as far as the last place worth a message. Returns how many were
    told."""
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = list(
        Enrolment.objects.select_related("course__provider", "learner")
        .filter(
            partner_id=partner_id,
            course__provider_id=provider_id,
            status=EnrolmentStatus.WAITLISTED,
        )
        .order_by("waitlisted_at", "pk")[: max(WAITLIST_NOTIFY_THRESHOLDS)]
    )
    candidates = [
        (place, enrolment)
        for place, enrolment in enumerate(waiting, start=1)
        if waitlist_moved_worth_telling(old=place + moved_by, new=place)
    ]
    already = set(
        AuditEvent.objects.filter(
            action=WAITLIST_MOVED_ACTION,
            object_type=Enrolment._meta.label_lower,
            object_id__in=[str(enrolment.pk) for _place, enrolment in candidates],
            created_at__gte=today_start,
        ).values_list("object_id", flat=True)
    )
    told = 0
    for place, enrolment in candidates:
        if str(enrolment.pk) in already:
            continue
        enrolment_learner_notify(
            enrolment=enrolment,
            event="waitlist_moved",
            key=waitlist_moved_key(enrolment),
            position=place,
        )
        audit_record(
            actor=None,
            action=WAITLIST_MOVED_ACTION,
            target=enrolment,
            partner_id=partner_id,
            data={"position": place},
        )
        told += 1
    return told
