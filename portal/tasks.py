from celery import shared_task
from django.core.management import call_command
from django.db import transaction

from . import outbox
from .emails import email_from_payload, email_send
from .sms import sms_send


@shared_task
def outbox_relay_task(message_id: int) -> None:
    """Send one outbox message (sent after the commit that wrote it); idempotent: a message
    already sent, being sent or not yet due is left alone."""
    outbox.outbox_relay(message_id=message_id)


@shared_task
def outbox_sweep_task() -> dict:
    """Periodic (every minute): send what was left behind (lost jobs, dead senders, retries)."""
    return outbox.outbox_sweep()


@shared_task
def outbox_purge_task() -> int:
    """Periodic (daily): delete old sent and failed messages."""
    return outbox.outbox_purge()


# Jobs of the version before the outbox, still in the queue at a deployment: written to the
# outbox (the job id is the key, so a redelivered job is one message) and relayed from there.
@shared_task(bind=True)
def email_send_task(self, payload: dict) -> None:
    with transaction.atomic():
        email_send(email_from_payload(payload), key=f"job-{self.request.id}")


@shared_task(bind=True, name="portal.sms.sms_send_task")
def sms_send_task(self, to: str, message: str) -> None:
    with transaction.atomic():
        sms_send(to=to, message=message, key=f"job-{self.request.id}")


@shared_task
def sessions_clear_expired_task() -> None:
    """Periodic (daily): drop expired sessions, so the sessions table does not grow forever."""
    call_command("clearsessions")


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def account_notice_task(**kwargs) -> None:
    """Tell an account's owner that staff tried to register or invite them (rate-limited). Jobs
    sent before notices were written to the outbox directly (portal.notify)."""
    from .notify import account_notice_send

    account_notice_send(**kwargs)
