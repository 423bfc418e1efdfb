"""Text messages (SMS): sign-up and sign-in codes for learners who use a phone number.

A backend chosen by the `SMS_BACKEND` setting delivers each message: `ConsoleBackend` (the
default, for development) prints it with the number masked; `HttpGatewayBackend` posts
`{"to": "+…", "message": "…"}` as JSON to `SMS_GATEWAY_URL` with `Authorization: Bearer
<SMS_GATEWAY_TOKEN>`. Messages are rendered by the caller, in the reader's language, and leave
through a background job after the current transaction commits, like e-mail (`portal/emails.py`).
"""

import http.client
import json
import logging
import sys
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SMSError(Exception):
    """A message could not be delivered to the gateway."""


class SMSGatewayUnavailable(SMSError):
    """The gateway did not answer, or answered with a server error: worth trying again."""


class SMSRejected(SMSError):
    """The gateway refused the message (4xx): trying again will not help."""


def phone_mask(phone: str) -> str:
    """`+962791234567` → `+962*******67`: enough to tell numbers apart in a log, no more."""
    phone = phone or ""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]


class ConsoleBackend:
    """Development: writes the message to standard output; the number is masked."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, message: str) -> None:
        self.stream.write(f"SMS to {phone_mask(to)}: {message}\n")
        self.stream.flush()
        logger.info("SMS printed to the console for %s", phone_mask(to))


class HttpGatewayBackend:
    """Production: one JSON POST per message to the SMS gateway (any 2xx answer is success)."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout=None) -> None:
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT_SECONDS
        if not self.url.startswith(("https://", "http://")):
            raise SMSError("SMS_GATEWAY_URL must be an http(s) URL.")

    def send(self, *, to: str, message: str) -> None:
        body = json.dumps({"to": to, "message": message}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise SMSGatewayUnavailable(f"SMS gateway answered {error.code}") from error
            raise SMSRejected(f"SMS gateway refused the message ({error.code})") from error
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            # Includes timeouts (socket.timeout is an OSError) and refused connections.
            raise SMSGatewayUnavailable(f"SMS gateway unreachable: {error}") from error
        logger.info("SMS sent through the gateway to %s", phone_mask(to))


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def sms_deliver(*, to: str, message: str) -> None:
    """Deliver now, through the configured backend (errors are raised)."""
    sms_backend().send(to=to, message=message)


@shared_task(
    bind=True,
    autoretry_for=(SMSGatewayUnavailable,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def sms_send_task(self, to: str, message: str) -> None:
    sms_deliver(to=to, message=message)


def sms_send(
    *, to: str, message: str, key: str | None = None, user=None, kind: str = ""
) -> None:
    """Queue a rendered message; it leaves after the current transaction commits
    (`key`, `user`, `kind`: as for portal.emails.email_send).

    With no broker (or in tests) the job runs in-process, so the code still arrives.
    """
    sms_send_task.delay_on_commit(to, message)
