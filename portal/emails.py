"""Outgoing e-mail goes through a background job, so a slow mail server never slows a page."""

import base64

from django.core.mail import EmailMessage, EmailMultiAlternatives


def email_to_payload(message: EmailMessage) -> dict:
    """A JSON-safe form of a rendered message, to pass to a task."""
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "html": None,
    }
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            payload["html"] = content
    if message.content_subtype == "html":
        payload["html"], payload["body"] = message.body, ""
    # Files attached with message.attach(filename, content, mimetype), base64 so any bytes pass
    # through JSON (reports attach their CSV).
    payload["attachments"] = [
        {
            "filename": filename,
            "content": base64.b64encode(
                content.encode() if isinstance(content, str) else content
            ).decode("ascii"),
            "mimetype": mimetype,
        }
        for filename, content, mimetype in message.attachments
    ]
    return payload


def email_from_payload(payload: dict) -> EmailMessage:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload.get("headers") or {},
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    for attachment in payload.get("attachments") or []:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
    return message


def deliverable(address: str) -> bool:
    """False for addresses in the reserved .invalid domain (RFC 2606), which can never receive
    mail: the bulk learners `seed_demo --learners N` creates have them, and a reminder run on such
    a database must not queue a million messages the mail server would bounce."""
    return not address.rstrip(">").rstrip().lower().endswith(".invalid")


def email_send(
    message: EmailMessage, *, key: str | None = None, user=None, kind: str = ""
) -> None:
    """Queue a rendered message; it leaves after the current transaction commits.

    `key`: the message's idempotency key (the same key is sent once, however often it is
    queued); `user`: the account it is for (its messages go when the account is erased);
    `kind`: what it is about ("application.approved", …), for staff and counts."""
    from .tasks import email_send_task

    message.to = [address for address in message.to if deliverable(address)]
    if not message.to and not message.cc and not message.bcc:
        return
    email_send_task.delay_on_commit(email_to_payload(message))
