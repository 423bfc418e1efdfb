"""Enrolments: request (seat or waiting list), provision (in a job), fail, revoke, promote from
the waiting list. Giving access at the provider is in access.py, the reconciler in reconcile.py."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.permissions import can_coordinate
from partners.reach import learner_in_reach
from partners.selectors import verification_current_for_learner
from portal.models import User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed, NoCodesLeft, ProviderRejected, ProviderUnavailable
from ..models import (
    LIVE_ENROLMENT_STATUSES,
    PENDING_ENROLMENT_STATUSES,
    AccessCode,
    AccessMethod,
    Course,
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentRevokeCause,
    EnrolmentStatus,
)
from ..permissions import can_revoke_enrolment
from .access import access_grant
from .notifications import enrolment_learner_notify
from .seats import allocation_for, seat_claim, seat_release, seat_thresholds_check
from .waitlist import waitlist_moved_notify

# An enrolment still requested/provisioning after this long had its job lost: send it again.
STUCK_AFTER = timedelta(minutes=10)
# The longest wait between two retries of a provisioning job (the exponential backoff's cap).
# An enrolment whose last attempt failed is only "stuck" once this has passed too: before that,
# its retry is still on its way, and sending a second job would double the load on a provider
# that is already struggling.
RETRY_MAX_WAIT = timedelta(hours=1)


def _provision_on_commit(enrolment_id: int) -> None:
    from ..tasks import enrolment_provision_task

    enrolment_provision_task.delay_on_commit(enrolment_id)


def _promote_on_commit(partner_id: int, provider_id: int) -> None:
    from ..tasks import waitlist_promote_task

    waitlist_promote_task.delay_on_commit(partner_id, provider_id)


def _notify(enrolment: Enrolment, event: str) -> None:
    """Tell the learner, inside the caller's transaction (the message commits with the event)."""
    enrolment_learner_notify(enrolment=enrolment, event=event)


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
    _promote_on_commit(enrolment.partner_id, enrolment.course.provider_id)


def _others_waiting(enrolment: Enrolment) -> bool:
    """Whether learners of the same partner already wait for this provider's seats."""
    return Enrolment.objects.filter(
        partner_id=enrolment.partner_id,
        course__provider_id=enrolment.course.provider_id,
        status=EnrolmentStatus.WAITLISTED,
    ).exists()


@transaction.atomic
def enrolment_request(*, learner: User, course: Course, acting_user: User) -> Enrolment:
    """A verified learner asks for a course: a seat now (provisioned by a job), or the waiting
    list. Concurrent requests for the last seat give exactly one enrolment."""
    if not course.is_active or not course.provider.is_active:
        raise EnrolmentNotAllowed(_("This course is not available."), code="inactive")
    verification = verification_current_for_learner(learner)
    # Someone else enrolling the learner (a coordinator's bulk enrolment) must be staff of the
    # partner that verifies them now, and the learner must be within its reach (partners/reach.py).
    on_behalf = acting_user.pk != learner.pk
    if verification is None or (
        on_behalf
        and not (
            can_coordinate(acting_user, verification.partner_id)
            and learner_in_reach(partner=verification.partner_id, learner_id=learner.pk)
        )
    ):
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
    # First come, first served: while others wait for this partner's seats at the provider, a
    # seat that has just been given back goes to them (the promotion job), not to a newcomer.
    waiting = course.provider.access_method != AccessMethod.OPEN and _others_waiting(enrolment)
    if waiting or not _take_seat(enrolment):
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
    elif waiting:
        allocation = allocation_for(partner_id=enrolment.partner_id, provider_id=course.provider_id)
        if allocation is not None and allocation.available:
            # Seats given back a moment ago: the promotion job hands them out, oldest first.
            _promote_on_commit(enrolment.partner_id, course.provider_id)
    return enrolment


def enrolment_provision(*, enrolment_id: int) -> Enrolment | None:
    """Give access through the provider's adapter. Idempotent: the enrolment row stays locked
    for the whole step, so a second run waits, then finds it active and does nothing — one
    seat, one code, one provider call. Raises ProviderUnavailable or NoCodesLeft for the task to
    retry (after recording the attempt); a provider's refusal fails the enrolment at once."""
    retry_error: ProviderUnavailable | NoCodesLeft | None = None
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
        try:
            enrolment.access_link, enrolment.provider_reference = access_grant(
                enrolment=enrolment, provider=provider
            )
        except ProviderRejected as error:
            enrolment.save(update_fields=["status", "attempts", "updated_at"])
            return enrolment_fail(
                enrolment_id=enrolment.pk,
                reason=str(error),
                cause=EnrolmentFailureCause.PROVIDER_REFUSED,
            )
        except (ProviderUnavailable, NoCodesLeft) as error:
            # Keep the attempt (and when it was made: the reconciler reads updated_at), then
            # let the task schedule the retry once this transaction has committed.
            enrolment.save(update_fields=["status", "attempts", "updated_at"])
            retry_error = error
        else:
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
            _notify(enrolment, "active")
    if retry_error is not None:
        raise retry_error
    return enrolment


def failure_cause_of(error: Exception) -> EnrolmentFailureCause:
    """The cause to record for a provisioning error that is given up on."""
    if isinstance(error, NoCodesLeft):
        return EnrolmentFailureCause.NO_ACCESS_CODES
    if isinstance(error, ProviderRejected):
        return EnrolmentFailureCause.PROVIDER_REFUSED
    return EnrolmentFailureCause.PROVIDER_UNAVAILABLE


@transaction.atomic
def enrolment_fail(
    *, enrolment_id: int, reason: str, cause: EnrolmentFailureCause
) -> Enrolment | None:
    """After the last retry: failed, with its cause (what the learner is told depends on it) and
    a reason staff can read; the seat comes back."""
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
    enrolment.failure_cause = cause
    _give_back_seat(enrolment)
    enrolment.save(
        update_fields=["status", "failure_reason", "failure_cause", "holds_seat", "updated_at"]
    )
    audit_record(
        actor=None,
        action="enrolment.failed",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"reason": reason[:300], "cause": cause},
    )
    _notify(enrolment, "failed")
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
    if not can_revoke_enrolment(acting_user, enrolment):
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
    enrolment.revoke_cause = EnrolmentRevokeCause.PARTNER
    enrolment.save(
        update_fields=["status", "revoke_reason", "revoke_cause", "holds_seat", "updated_at"]
    )
    audit_record(
        actor=acting_user,
        action="enrolment.revoked",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"seat_returned": not code_spent},
    )
    _notify(enrolment, "revoked")
    return enrolment


@transaction.atomic
def enrolment_cancel_for_erasure(*, enrolment_id: int, acting_user: User) -> Enrolment | None:
    """The learner deletes their account: their live enrolments end as revoked (so the counts
    keep them), the seat comes back as in `enrolment_revoke`, and no e-mail goes to the address
    being erased. Only the enrolment's own learner may do this; others are ignored (None)."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course__provider")
        .filter(pk=enrolment_id, learner_id=acting_user.pk)
        .first()
    )
    if enrolment is None or enrolment.status not in (
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.PROVISIONING,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.WAITLISTED,
    ):
        return None
    code_spent = (
        enrolment.status == EnrolmentStatus.ACTIVE
        and AccessCode.objects.filter(enrolment=enrolment).exists()
    )
    if not code_spent:
        _give_back_seat(enrolment)
    enrolment.status = EnrolmentStatus.REVOKED
    enrolment.revoke_reason = ""
    enrolment.revoke_cause = EnrolmentRevokeCause.ACCOUNT_DELETED
    enrolment.save(
        update_fields=["status", "revoke_reason", "revoke_cause", "holds_seat", "updated_at"]
    )
    audit_record(
        actor=acting_user,
        action="enrolment.cancelled_by_erasure",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"seat_returned": not code_spent},
    )
    return enrolment


def waitlist_promote(*, partner_id: int, provider_id: int) -> int:
    """Enrol waiting learners, oldest first, while the partner has seats at the provider.
    Runs as a job (`waitlist_promote_task`); each learner is promoted in a transaction of its
    own, so a long waiting list never holds locks for long. Those still waiting who moved up
    are then told their new place (`waitlist_moved_notify`)."""
    promoted = left = 0
    while True:
        outcome = _waitlist_promote_head(partner_id=partner_id, provider_id=provider_id)
        if outcome is None:
            break
        left += 1
        promoted += outcome == "promoted"
    if left:
        waitlist_moved_notify(partner_id=partner_id, provider_id=provider_id, moved_by=left)
    return promoted


@transaction.atomic
def _waitlist_promote_head(*, partner_id: int, provider_id: int) -> str | None:
    """The head of the list gets a seat ("promoted") or leaves it ("revoked"); None when the
    list is empty or no seat is left."""
    # Waits (no SKIP LOCKED) for a concurrent promotion holding the head of the list:
    # skipping it would let the second in line take a seat before the first.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course__provider", "learner")
        .filter(
            partner_id=partner_id,
            course__provider_id=provider_id,
            status=EnrolmentStatus.WAITLISTED,
        )
        .order_by("waitlisted_at", "pk")
        .first()
    )
    if enrolment is None:
        return None
    verification = verification_current_for_learner(enrolment.learner)
    if verification is None or verification.partner_id != partner_id:
        # No longer verified by this partner: the seat goes to the next learner.
        enrolment.status = EnrolmentStatus.REVOKED
        enrolment.revoke_reason = "verification expired while waiting"
        enrolment.revoke_cause = EnrolmentRevokeCause.VERIFICATION_EXPIRED
        enrolment.save(update_fields=["status", "revoke_reason", "revoke_cause", "updated_at"])
        audit_record(
            actor=None,
            action="enrolment.revoked",
            target=enrolment,
            partner_id=partner_id,
            data={"reason": "verification expired while waiting"},
        )
        _notify(enrolment, "revoked")
        return "revoked"
    if not _take_seat(enrolment):
        return None
    enrolment.status = EnrolmentStatus.REQUESTED
    enrolment.save(update_fields=["status", "holds_seat", "updated_at"])
    audit_record(
        actor=None,
        action="enrolment.promoted",
        target=enrolment,
        partner_id=partner_id,
    )
    _provision_on_commit(enrolment.pk)
    return "promoted"
