from smtplib import SMTPException

from celery import shared_task
from django.core.management import call_command

from .emails import email_from_payload
from .sms import sms_send_task  # noqa: F401  (registered with the worker)


@shared_task(
    bind=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=3600,
    max_retries=8,
)
def email_send_task(self, payload: dict) -> None:
    email_from_payload(payload).send()


@shared_task
def sessions_clear_expired_task() -> None:
    """Periodic (daily): drop expired sessions, so the sessions table does not grow forever."""
    call_command("clearsessions")


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def account_notice_task(**kwargs) -> None:
    """Tell an account's owner that staff tried to register or invite them (rate-limited)."""
    from .notify import account_notice_send

    account_notice_send(**kwargs)
