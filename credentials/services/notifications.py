"""What learners and coordinators are told about course access and credentials, on the
learner's channel and in their language (portal.notify.learner_notify). Learners' messages are
written inside the transaction of the service that causes them, with a key stable per event."""

from django.utils import timezone

from partners.models import Membership, StaffRole
from portal.notify import learner_notify, user_email_send

from ..models import AccessMethod, Credential, Enrolment, SeatAllocation
from ..references import reference_display
from .references import learner_reference_of

# event → (kind of message, e-mail template, SMS template)
ENROLMENT_EVENTS = {
    "active": (
        "enrolment.active",
        "credentials/email/enrolment_active",
        "credentials/sms/enrolment_active.txt",
    ),
    "failed": (
        "enrolment.failed",
        "credentials/email/enrolment_failed",
        "credentials/sms/enrolment_failed.txt",
    ),
    "revoked": (
        "enrolment.revoked",
        "credentials/email/enrolment_revoked",
        "credentials/sms/enrolment_revoked.txt",
    ),
    "completed": (
        "enrolment.completed",
        "credentials/email/completion_recorded",
        "credentials/sms/completion_recorded.txt",
    ),
    "waitlist_moved": (
        "enrolment.waitlist_moved",
        "credentials/email/waitlist_moved",
        "credentials/sms/waitlist_moved.txt",
    ),
}


def _learner_reference(enrolment: Enrolment) -> str:
    """What the learner types when the provider asks for their learner reference ("" for
    voucher providers, where the access code is what they type)."""
    if enrolment.course.provider.access_method == AccessMethod.VOUCHER:
        return ""
    reference = learner_reference_of(
        learner_id=enrolment.learner_id, provider_id=enrolment.course.provider_id
    )
    return reference_display(reference.reference) if reference else ""


def enrolment_notice_context(enrolment: Enrolment) -> dict:
    code = getattr(enrolment, "access_code", None)
    return {
        "enrolment": enrolment,
        "course": enrolment.course,
        "provider": enrolment.course.provider,
        "access_code": code.code if code else "",
        "reference": _learner_reference(enrolment),
    }


def enrolment_learner_notify(
    *, enrolment: Enrolment, event: str, key: str = "", **context
) -> tuple[str, ...]:
    """Tell the learner about `event`; call it inside the service's transaction. The key is
    `enrolment:<id>:<event>` unless the event can happen more than once (`key`)."""
    kind, email_template, sms_template = ENROLMENT_EVENTS[event]
    return learner_notify(
        user=enrolment.learner,
        kind=kind,
        key=key or f"enrolment:{enrolment.pk}:{event}",
        email_template=email_template,
        sms_template=sms_template,
        context={**enrolment_notice_context(enrolment), **context},
    )


def enrolment_notify_learner(*, enrolment_id: int, event: str) -> bool:
    """The same message by id (the task kept for jobs queued before messages moved into the
    services' transactions)."""
    enrolment = (
        Enrolment.objects.select_related("learner", "course__provider")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        return False
    return bool(enrolment_learner_notify(enrolment=enrolment, event=event))


def credential_learner_notify(*, credential: Credential, verify_url: str) -> tuple[str, ...]:
    """The credential is issued: its public verification link, to the learner."""
    enrolment = credential.enrolment
    return learner_notify(
        user=credential.learner,
        kind="credential.issued",
        key=f"credential:{credential.pk}:issued",
        email_template="credentials/email/credential_issued",
        sms_template="credentials/sms/credential_issued.txt",
        context={
            "credential": credential,
            "course": enrolment.course,
            "provider": enrolment.course.provider,
            "verify_url": verify_url,
        },
    )


def waitlist_moved_key(enrolment: Enrolment) -> str:
    """At most one "you moved up" message per enrolment and day: the day is the key."""
    return f"enrolment:{enrolment.pk}:waitlist:{timezone.localdate().isoformat()}"


def seat_threshold_notify(*, allocation_id: int, level: int, at=None) -> int:
    """E-mail the partner's coordinators that `level` % of the seats are used; `at` (when the
    level was claimed) makes the idempotency key, so a retried transaction sends once."""
    allocation = (
        SeatAllocation.objects.select_related("partner", "provider")
        .filter(pk=allocation_id)
        .first()
    )
    if allocation is None:
        return 0
    coordinators = [
        m.user
        for m in Membership.objects.filter(
            partner=allocation.partner, role=StaffRole.COORDINATOR
        ).select_related("user")
    ]
    return sum(
        user_email_send(
            user=user,
            template="credentials/email/seats_threshold",
            context={"allocation": allocation, "level": level},
            key=(
                f"seats:{allocation.pk}:{level}:{at.isoformat()}:{user.pk}"
                if at is not None
                else None
            ),
        )
        for user in coordinators
    )
