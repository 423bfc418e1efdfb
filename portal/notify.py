"""Render a message in the recipient's own language and send it (called from background jobs)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import User


def user_email_send(*, user: User, template: str, context: dict) -> bool:
    """Send `<template>_subject.txt` / `<template>_message.txt` to the user, in their language.

    Returns False when the user has no real address (registered in person without e-mail).
    """
    if not user.has_real_email or not user.is_active:
        return False
    context = {"user": user, "site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context).strip()
    EmailMultiAlternatives(subject, body, to=[user.email]).send()
    return True
