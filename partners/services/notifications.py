"""What learners are told about their application, on the channel they chose, in their language.

Each event's message is written inside the transaction of the service that causes it
(portal.notify.learner_notify), with a key that is the same however often the service runs.
"""

from django.db import transaction
from django.utils import timezone

from portal.notify import learner_notify

from ..models import Application, ApplicationStatus

# event → (kind of message, e-mail template, SMS template)
EVENTS = {
    "received": (
        "application.received",
        "partners/email/application_received",
        "partners/sms/application_received.txt",
    ),
    "approve": (
        "application.approved",
        "partners/email/application_approved",
        "partners/sms/application_approved.txt",
    ),
    "request_info": (
        "application.info_requested",
        "partners/email/application_info_requested",
        "partners/sms/application_info_requested.txt",
    ),
    "reject": (
        "application.rejected",
        "partners/email/application_rejected",
        "partners/sms/application_rejected.txt",
    ),
    "expired": (
        "application.expired",
        "partners/email/verification_expired",
        "partners/sms/verification_expired.txt",
    ),
    "reminder": (
        "application.expiry_reminder",
        "partners/email/verification_reminder",
        "partners/sms/verification_reminder.txt",
    ),
}
# Kept for callers that name templates by event (the e-mail templates are unchanged).
EVENT_TEMPLATES = {event: email for event, (_kind, email, _sms) in EVENTS.items()}


def _event_key(application: Application, event: str) -> str:
    """One key per event: an application can be asked for information, or be received again,
    more than once, so the moment of that step is part of its key."""
    if event == "received":
        moment = application.submitted_at
    elif event in ("approve", "request_info", "reject"):
        moment = application.decided_at
    else:  # the reminder and the expiry: one per verification period
        moment = application.verified_until
    stamp = moment.isoformat() if moment is not None else ""
    return f"application:{application.pk}:{event}:{stamp}"


def application_learner_notify(*, application: Application, event: str) -> tuple[str, ...]:
    """Tell the learner about `event`; call it inside the service's transaction."""
    kind, email_template, sms_template = EVENTS[event]
    return learner_notify(
        user=application.learner,
        kind=kind,
        key=_event_key(application, event),
        email_template=email_template,
        sms_template=sms_template,
        context={"application": application, "partner": application.partner},
    )


def application_notify_learner(*, application_id: int, event: str) -> bool:
    """The same message by id (the task kept for jobs queued before messages moved into the
    services' transactions)."""
    application = (
        Application.objects.select_related("learner", "partner").filter(pk=application_id).first()
    )
    if application is None:
        return False
    # Say nothing when the application has moved on since (e.g. a reminder after expiry).
    if event == "reminder" and application.status != ApplicationStatus.APPROVED:
        return False
    return bool(application_learner_notify(application=application, event=event))


@transaction.atomic
def verification_reminder_send(*, application_id: int) -> bool:
    """Remind the learner once, 30 days before expiry; concurrent runs cannot both send it."""
    claimed = Application.objects.filter(
        pk=application_id,
        status=ApplicationStatus.APPROVED,
        expiry_reminder_sent_at__isnull=True,
    ).update(expiry_reminder_sent_at=timezone.now())
    if claimed:
        application = Application.objects.select_related("learner", "partner").get(
            pk=application_id
        )
        application_learner_notify(application=application, event="reminder")
    return bool(claimed)
