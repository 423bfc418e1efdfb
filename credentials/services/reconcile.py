"""The reconciler (Celery beat, every few minutes): an enqueue lost while Redis was down is never
lost work. Enrolments stuck in requested/provisioning get their provisioning job again, and
partners with free seats and a waiting list get a promotion job."""

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..models import PENDING_ENROLMENT_STATUSES, Enrolment, EnrolmentStatus, SeatAllocation
from .enrolments import RETRY_MAX_WAIT, STUCK_AFTER


def enrolments_reconcile() -> int:
    """Re-send lost jobs; returns how many were sent. Enrolments stuck in requested/provisioning
    get their provisioning job again, and partners with free seats and a waiting list get a
    promotion job (an enqueue lost while Redis was down is never lost work)."""
    from ..tasks import enrolment_provision_task, waitlist_promote_task

    now = timezone.now()
    stuck_ids = list(
        Enrolment.objects.filter(status__in=PENDING_ENROLMENT_STATUSES)
        .filter(
            # Never tried: its job was lost. Tried and failed: its retry is scheduled, at most
            # RETRY_MAX_WAIT later; only after that is it lost.
            Q(attempts=0, updated_at__lt=now - STUCK_AFTER)
            | Q(attempts__gt=0, updated_at__lt=now - STUCK_AFTER - RETRY_MAX_WAIT)
        )
        .values_list("pk", flat=True)
    )
    # Touch them, so the next run (every few minutes) does not send the same jobs again while
    # these are still in the queue.
    Enrolment.objects.filter(pk__in=stuck_ids).update(updated_at=now)
    for enrolment_id in stuck_ids:
        enrolment_provision_task.delay(enrolment_id)
    waiting = Enrolment.objects.filter(
        partner_id=OuterRef("partner_id"),
        course__provider_id=OuterRef("provider_id"),
        status=EnrolmentStatus.WAITLISTED,
    )
    pairs = list(
        SeatAllocation.objects.filter(used__lt=F("total"))
        .filter(Exists(waiting))
        .values_list("partner_id", "provider_id")
    )
    for partner_id, provider_id in pairs:
        waitlist_promote_task.delay(partner_id, provider_id)
    return len(stuck_ids) + len(pairs)
