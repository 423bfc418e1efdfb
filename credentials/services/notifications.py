"""What learners and coordinators are told about course access, in their own language."""

from partners.models import Membership, StaffRole
from portal.notify import user_email_send

from ..models import AccessMethod, Enrolment, SeatAllocation
from ..references import reference_display
from .references import learner_reference_of

ENROLMENT_TEMPLATES = {
    "active": "credentials/email/enrolment_active",
    "failed": "credentials/email/enrolment_failed",
    "revoked": "credentials/email/enrolment_revoked",
}


def enrolment_notify_learner(*, enrolment_id: int, event: str) -> bool:
    enrolment = (
        Enrolment.objects.select_related("learner", "course__provider")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        return False
    code = getattr(enrolment, "access_code", None)
    reference = learner_reference_of(
        learner_id=enrolment.learner_id, provider_id=enrolment.course.provider_id
    )
    return user_email_send(
        user=enrolment.learner,
        template=ENROLMENT_TEMPLATES[event],
        context={
            "enrolment": enrolment,
            "course": enrolment.course,
            "provider": enrolment.course.provider,
            "access_code": code.code if code else "",
            # What the learner types when the provider asks for their learner reference ("" for
            # voucher providers, where the access code is what they type).
            "reference": (
                reference_display(reference.reference)
                if reference and enrolment.course.provider.access_method != AccessMethod.VOUCHER
                else ""
            ),
        },
    )


def seat_threshold_notify(*, allocation_id: int, level: int) -> int:
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
        )
        for user in coordinators
    )
