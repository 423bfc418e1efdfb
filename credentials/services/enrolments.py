"""Enrolments: request (seat or waiting list), provision (in a job), fail, revoke, reconcile."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.permissions import can_coordinate
from partners.selectors import verification_current_for_learner
from portal.models import User
from portal.services import audit_record

from ..adapters import api_enrol, provider_payload
from ..errors import EnrolmentNotAllowed, NoCodesLeft, ProviderRejected
from ..hooks import learner_display_name
from ..models import (
    LIVE_ENROLMENT_STATUSES,
    PENDING_ENROLMENT_STATUSES,
    AccessCode,
    AccessMethod,
    Course,
    Enrolment,
    EnrolmentStatus,
)
from .seats import allocation_for, seat_claim, seat_release, seat_thresholds_check

# An enrolment still requested/provisioning after this long had its job lost: send it again.
STUCK_AFTER = timedelta(minutes=10)


def _provision_on_commit(enrolment_id: int) -> None:
    from ..tasks import enrolment_provision_task

    enrolment_provision_task.delay_on_commit(enrolment_id)


def _notify_on_commit(enrolment_id: int, event: str) -> None:
    from ..tasks import enrolment_notify_learner_task

    enrolment_notify_learner_task.delay_on_commit(enrolment_id, event)


def _take_seat(enrolment: Enrolment) -> bool:
    """Give the enrolment one of its partner's seats (open-link courses need none)."""
    if enrolment.course.provider.access_method == AccessMethod.OPEN:
        return True
    allocation = allocation_for(
        partner_id=enrolment.partner_id, provider_id=enrolment.course.provider_id
    )
    if allocation is None or not seat_claim(allocation_id=allocation.pk):
        return False
    enrolment.holds_seat = True
    seat_thresholds_check(allocation_id=allocation.pk)
    return True


def _give_back_seat(enrolment: Enrolment) -> None:
    if not enrolment.holds_seat:
        return
    allocation = allocation_for(
        partner_id=enrolment.partner_id, provider_id=enrolment.course.provider_id
    )
    if allocation is not None:
        seat_release(allocation_id=allocation.pk)
    enrolment.holds_seat = False
    partner_id, provider_id = enrolment.partner_id, enrolment.course.provider_id
    transaction.on_commit(lambda: waitlist_promote(partner_id=partner_id, provider_id=provider_id))


@transaction.atomic
def enrolment_request(*, learner: User, course: Course, acting_user: User) -> Enrolment:
    """A verified learner asks for a course: a seat now (provisioned by a job), or the waiting
    list. Concurrent requests for the last seat give exactly one enrolment."""
    if not course.is_active or not course.provider.is_active:
        raise EnrolmentNotAllowed(_("This course is not available."), code="inactive")
    verification = verification_current_for_learner(learner)
    if verification is None:
        raise EnrolmentNotAllowed(
            _("Only learners with a current verification can enrol."), code="not_verified"
        )
    if Enrolment.objects.filter(
        learner=learner, course=course, status__in=LIVE_ENROLMENT_STATUSES
    ).exists():
        raise EnrolmentNotAllowed(_("You are already enrolled in this course."), code="duplicate")
    now = timezone.now()
    enrolment = Enrolment(
        learner=learner,
        course=course,
        partner=verification.partner,
        status=EnrolmentStatus.REQUESTED,
        requested_at=now,
    )
    if not _take_seat(enrolment):
        enrolment.status = EnrolmentStatus.WAITLISTED
        enrolment.waitlisted_at = now
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as error:
        raise EnrolmentNotAllowed(
            _("You are already enrolled in this course."), code="duplicate"
        ) from error
    audit_record(
        actor=acting_user,
        action=f"enrolment.{enrolment.status}",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"course": course.pk},
    )
    if enrolment.status == EnrolmentStatus.REQUESTED:
        _provision_on_commit(enrolment.pk)
    return enrolment


def enrolment_provision(*, enrolment_id: int) -> Enrolment | None:
    """Give access through the provider's adapter. Idempotent: the enrolment row stays locked
    for the whole step, so a second run waits, then finds it active and does nothing — one
    seat, one code, one provider call. Raises ProviderUnavailable for the task to retry."""
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("course__provider", "learner")
            .filter(pk=enrolment_id)
            .first()
        )
        if enrolment is None or enrolment.status not in PENDING_ENROLMENT_STATUSES:
            return enrolment
        provider = enrolment.course.provider
        enrolment.status = EnrolmentStatus.PROVISIONING
        enrolment.attempts += 1
        if provider.access_method == AccessMethod.VOUCHER:
            code = (
                AccessCode.objects.select_for_update(skip_locked=True)
                .filter(provider=provider, enrolment__isnull=True)
                .order_by("pk")
                .first()
            )
            if code is None:
                raise NoCodesLeft(f"no unused access codes for provider {provider.pk}")
            code.enrolment = enrolment
            code.assigned_at = timezone.now()
            code.save(update_fields=["enrolment", "assigned_at"])
            enrolment.access_link = enrolment.course.link
        elif provider.access_method == AccessMethod.API:
            payload = provider_payload(
                name=learner_display_name(enrolment.learner),
                email=enrolment.learner.email,
                course=enrolment.course,
                reference=f"enrolment-{enrolment.pk}",
            )
            try:
                granted = api_enrol(provider=provider, payload=payload)
            except ProviderRejected as error:
                reason = str(error)
                enrolment.save(update_fields=["status", "attempts", "updated_at"])
                transaction.on_commit(
                    lambda: enrolment_fail(enrolment_id=enrolment_id, reason=reason)
                )
                return enrolment
            enrolment.access_link = granted.access_link or enrolment.course.link
            enrolment.provider_reference = granted.provider_reference
        else:
            enrolment.access_link = enrolment.course.link
        enrolment.status = EnrolmentStatus.ACTIVE
        enrolment.activated_at = timezone.now()
        enrolment.save(
            update_fields=[
                "status",
                "attempts",
                "access_link",
                "provider_reference",
                "activated_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=None,
            action="enrolment.active",
            target=enrolment,
            partner_id=enrolment.partner_id,
        )
        _notify_on_commit(enrolment.pk, "active")
    return enrolment


@transaction.atomic
def enrolment_fail(*, enrolment_id: int, reason: str) -> Enrolment | None:
    """After the last retry: failed, with a reason staff can read; the seat comes back."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course__provider")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None or enrolment.status not in PENDING_ENROLMENT_STATUSES:
        return enrolment
    enrolment.status = EnrolmentStatus.FAILED
    enrolment.failure_reason = reason[:300]
    _give_back_seat(enrolment)
    enrolment.save(update_fields=["status", "failure_reason", "holds_seat", "updated_at"])
    audit_record(
        actor=None,
        action="enrolment.failed",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"reason": reason[:300]},
    )
    _notify_on_commit(enrolment.pk, "failed")
    return enrolment


@transaction.atomic
def enrolment_revoke(*, enrolment: Enrolment, reason: str, acting_user: User) -> Enrolment:
    """A coordinator withdraws access. The seat comes back unless the provider has consumed it
    (a voucher code already handed to the learner is spent)."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course__provider")
        .get(pk=enrolment.pk)
    )
    if not can_coordinate(acting_user, enrolment.partner_id):
        raise EnrolmentNotAllowed(_("Only a coordinator of the partner can withdraw access."))
    if enrolment.status not in (
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.PROVISIONING,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.WAITLISTED,
    ):
        raise EnrolmentNotAllowed(_("This enrolment can no longer be withdrawn."), code="illegal")
    if not reason.strip():
        raise EnrolmentNotAllowed(_("Please give a reason."), code="reason")
    code_spent = (
        enrolment.status == EnrolmentStatus.ACTIVE
        and AccessCode.objects.filter(enrolment=enrolment).exists()
    )
    if not code_spent:
        _give_back_seat(enrolment)
    enrolment.status = EnrolmentStatus.REVOKED
    enrolment.revoke_reason = reason.strip()[:300]
    enrolment.save(update_fields=["status", "revoke_reason", "holds_seat", "updated_at"])
    audit_record(
        actor=acting_user,
        action="enrolment.revoked",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"seat_returned": not code_spent},
    )
    _notify_on_commit(enrolment.pk, "revoked")
    return enrolment


def waitlist_promote(*, partner_id: int, provider_id: int) -> int:
    """Enrol waiting learners, oldest first, while the partner has seats at the provider."""
    promoted = 0
    while True:
        with transaction.atomic():
            enrolment = (
                Enrolment.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("course__provider")
                .filter(
                    partner_id=partner_id,
                    course__provider_id=provider_id,
                    status=EnrolmentStatus.WAITLISTED,
                )
                .order_by("waitlisted_at", "pk")
                .first()
            )
            if enrolment is None or not _take_seat(enrolment):
                return promoted
            if verification_current_for_learner(enrolment.learner) is None:
                # No longer verified: the seat goes to the next learner.
                _give_back_seat(enrolment)
                enrolment.status = EnrolmentStatus.REVOKED
                enrolment.revoke_reason = "verification expired while waiting"
                enrolment.save(update_fields=["status", "revoke_reason", "holds_seat"])
                continue
            enrolment.status = EnrolmentStatus.REQUESTED
            enrolment.save(update_fields=["status", "holds_seat", "updated_at"])
            audit_record(
                actor=None,
                action="enrolment.promoted",
                target=enrolment,
                partner_id=partner_id,
            )
            _provision_on_commit(enrolment.pk)
            promoted += 1


def enrolments_reconcile() -> int:
    """Re-send provisioning jobs for enrolments stuck in requested/provisioning (an enqueue lost
    while Redis was down is never lost work)."""
    from ..tasks import enrolment_provision_task

    cutoff = timezone.now() - STUCK_AFTER
    stuck = list(
        Enrolment.objects.filter(
            status__in=PENDING_ENROLMENT_STATUSES, updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for enrolment_id in stuck:
        enrolment_provision_task.delay(enrolment_id)
    return len(stuck)
