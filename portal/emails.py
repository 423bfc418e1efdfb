"""Outgoing e-mail goes through a background job, so a slow mail server never slows a page."""

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
    return message


def email_send(message: EmailMessage) -> None:
    """Queue a rendered message; it leaves after the current transaction commits."""
    from .tasks import email_send_task

    email_send_task.delay_on_commit(email_to_payload(message))
