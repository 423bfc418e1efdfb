"""What learners are told about their application, by e-mail in their own language."""

from django.db import transaction
from django.utils import timezone

from portal.notify import user_email_send

from ..models import Application, ApplicationStatus

EVENT_TEMPLATES = {
    "approve": "partners/email/application_approved",
    "request_info": "partners/email/application_info_requested",
    "reject": "partners/email/application_rejected",
    "expired": "partners/email/verification_expired",
    "reminder": "partners/email/verification_reminder",
}


def application_notify_learner(*, application_id: int, event: str) -> bool:
    application = (
        Application.objects.select_related("learner", "partner").filter(pk=application_id).first()
    )
    if application is None:
        return False
    # Say nothing when the application has moved on since (e.g. a reminder after expiry).
    if event == "reminder" and application.status != ApplicationStatus.APPROVED:
        return False
    return user_email_send(
        user=application.learner,
        template=EVENT_TEMPLATES[event],
        context={"application": application, "partner": application.partner},
    )


@transaction.atomic
def verification_reminder_send(*, application_id: int) -> bool:
    """Remind the learner once, 30 days before expiry; concurrent runs cannot both send it."""
    claimed = Application.objects.filter(
        pk=application_id,
        status=ApplicationStatus.APPROVED,
        expiry_reminder_sent_at__isnull=True,
    ).update(expiry_reminder_sent_at=timezone.now())
    if claimed:
        from ..tasks import application_notify_learner_task

        application_notify_learner_task.delay_on_commit(application_id, "reminder")
    return bool(claimed)
