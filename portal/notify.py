"""Render a message in the recipient's own language and send it through the outbox: learners'
event messages on the channel they chose (learner_notify), staff e-mails (user_email_send), and
the "you already have an account" notice."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import AuditEvent, User
from .origin import site_url


def user_email_send(
    *, user: User, template: str, context: dict, key: str | None = None, kind: str = ""
) -> bool:
    """Send `<template>_subject.txt` / `<template>_message.txt` to the user, in their language
    (an outbox row, sent after commit; `key` and `kind` as for portal.emails.email_send; the
    kind defaults to "<app>.<template name>").

    Returns False when the user has no real address (registered in person without e-mail).
    """
    from .emails import email_send

    if not user.has_real_email or not user.is_active:
        return False
    context = {"user": user, "site_url": site_url(), **context}
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context).strip()
    if not kind:
        app, _folder, name = template.partition("/")
        kind = f"{app}.{name.rpartition('/')[2]}"
    email_send(
        EmailMultiAlternatives(subject, body, to=[user.email]), key=key, user=user, kind=kind
    )
    return True


# --- learners' event messages ------------------------------------------------------------------
#
# Every learner event (application received, information requested, decision, access ready,
# waiting list moved, completion recorded, credential issued, verification expiring) goes out
# through learner_notify, called INSIDE the transaction of the service that changes the state:
# with the outbox, the message row commits or rolls back with the event. The key is stable per
# event, so a service run twice sends once. docs/decisions/0023-learner-messages.md.


def learner_notify(
    *,
    user: User,
    kind: str,
    key: str,
    context: dict,
    email_template: str | None = None,
    sms_template: str | None = None,
) -> tuple[str, ...]:
    """Send one event's message on each channel the learner receives (User.message_channels),
    in their language. `email_template`: as for user_email_send (`<template>_subject.txt`,
    `<template>_message.txt`); `sms_template`: a plain text template path
    ("partners/sms/application_approved.txt"). Nothing goes to an inactive (erased) account, to
    a placeholder address or to an unverified number. Returns the channels used."""
    from .emails import deliverable, email_send
    from .sms import sms_send

    if not user.is_active:
        return ()
    sent = []
    context = {"user": user, "site_url": site_url(), **context}
    with translation.override(user.language or settings.LANGUAGE_CODE):
        for channel in user.message_channels:
            if channel == "email" and email_template and deliverable(user.email):
                subject = " ".join(
                    render_to_string(f"{email_template}_subject.txt", context).split()
                )
                body = render_to_string(f"{email_template}_message.txt", context).strip()
                email_send(
                    EmailMultiAlternatives(subject, body, to=[user.email]),
                    key=f"{key}:email",
                    user=user,
                    kind=kind,
                )
                sent.append(channel)
            elif channel == "sms" and sms_template:
                sms_send(
                    to=user.phone,
                    message=sms_render(sms_template, context),
                    key=f"{key}:sms",
                    user=user,
                    kind=kind,
                )
                sent.append(channel)
    return tuple(sent)


def sms_render(template: str, context: dict) -> str:
    """A text message from its template, in the active language, on one line where the
    template breaks lines (every character counts: portal.sms.sms_segments)."""
    return " ".join(render_to_string(template, context).split())


# --- "You already have an account" --------------------------------------------------------------
#
# Staff never learn whether an e-mail address or a phone number has an account (an account here
# means refugee status). Where a staff action meets an existing account — an in-person
# registration, a bulk invitation — the staff member sees the same outcome as for a new address,
# and the owner is told instead, in their own language, who tried and how to sign in.
# docs/decisions/0015-no-account-oracle.md.

ACCOUNT_NOTICE_ACTION = "account.exists_notice"
# At most one notice per account in this period, whoever asks and however often: staff cannot
# use the portal to flood someone's inbox or phone.
ACCOUNT_NOTICE_INTERVAL = timedelta(days=1)


def account_id_for_email(address: str) -> int | None:
    """The account that uses this address — as its login, or as one of its other (allauth)
    addresses — if any. Case-insensitive; both lookups are served by an index."""
    from allauth.account.models import EmailAddress

    owner = User.objects.filter(email__iexact=address).values_list("pk", flat=True).first()
    if owner is None:
        owner = (
            EmailAddress.objects.filter(email__iexact=address)
            .values_list("user_id", flat=True)
            .first()
        )
    return owner


ACCOUNT_NOTICE_REGISTERED = "registered"  # an in-person registration
ACCOUNT_NOTICE_INVITED = "invited"  # a coordinator's bulk invitation
ACCOUNT_NOTICE_STAFF_ACCOUNT = "staff_account"  # a programme admin adding a user in the admin


def _account_notice_text(*, reason: str, partner_name: str, channel: str) -> tuple[str, str]:
    """(subject, body) in the active language. Names the organisation: the person can recognise
    it (or know it was not them), and it is their data the organisation tried to use."""
    site = site_url()
    values = {"partner": partner_name, "site": site}
    if reason == ACCOUNT_NOTICE_INVITED:
        what = _("%(partner)s invited you to join the Learner Access Portal.") % values
    elif reason == ACCOUNT_NOTICE_STAFF_ACCOUNT:
        what = _(
            "An administrator of the Learner Access Portal tried to create a staff account "
            "with this e-mail address."
        )
    else:
        what = (
            _("Staff of %(partner)s tried to register you on the Learner Access Portal in person.")
            % values
        )
    if channel == "sms":
        # Typed at an in-person registration as a contact number (families share phones).
        body = (
            _(
                "%(partner)s gave this phone number when registering someone on the Learner "
                "Access Portal in person. It already signs in to an account: if that is you, "
                "sign in with it at %(site)s. Otherwise you can ignore this message."
            )
            % values
        )
        return "", body
    subject = _("You already have an account on the Learner Access Portal")
    body = "\n\n".join(
        [
            what,
            _(
                "You already have an account with this e-mail address, so nothing new was "
                "created. Sign in with it at %(site)s (if you forgot your password, you can "
                "reset it from the sign-in page)."
            )
            % values,
            _(
                "If you expected a staff account, ask the administrator to use another e-mail "
                "address. Otherwise you can ignore this e-mail."
            )
            if reason == ACCOUNT_NOTICE_STAFF_ACCOUNT
            else _(
                "To be verified by %(partner)s, sign in and apply to them from your account. "
                "If this was not you, you can ignore this e-mail."
            )
            % values,
        ]
    )
    return subject, body


@transaction.atomic
def account_notice_send(
    *,
    user_id: int,
    channel: str,
    reason: str,
    partner_name: str,
    partner_id: int | None = None,
    actor_id: int | None = None,
) -> bool:
    """Tell the owner of an existing account that staff tried to register or invite them.

    `channel` is "email" (to the account's own real address) or "sms" (to its sign-in phone
    number). Sends nothing to placeholder addresses (NO_EMAIL_DOMAIN), inactive or erased
    accounts, or an account told in the last ACCOUNT_NOTICE_INTERVAL (the account row is locked,
    so concurrent calls cannot both send). The message leaves after commit. Returns whether one
    was queued.
    """
    from .emails import deliverable, email_send
    from .services import audit_record
    from .sms import sms_send

    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if channel == "email":
        if not user.has_real_email or not deliverable(user.email):
            return False
    elif channel != "sms" or not user.phone:
        return False
    recent = AuditEvent.objects.filter(
        object_type=user._meta.label_lower,
        object_id=str(user.pk),
        action=ACCOUNT_NOTICE_ACTION,
        created_at__gte=timezone.now() - ACCOUNT_NOTICE_INTERVAL,
    )
    if recent.exists():
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, body = _account_notice_text(
            reason=reason, partner_name=partner_name, channel=channel
        )
    if channel == "email":
        email_send(
            EmailMultiAlternatives(subject, body, to=[user.email]),
            user=user,
            kind=ACCOUNT_NOTICE_ACTION,
        )
    else:
        sms_send(to=user.phone, message=body, user=user, kind=ACCOUNT_NOTICE_ACTION)
    audit_record(
        actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
        action=ACCOUNT_NOTICE_ACTION,
        target=user,
        partner_id=partner_id,
        data={"reason": reason, "channel": channel},
    )
    return True


def account_notice_queue(
    *,
    user_id: int,
    channel: str,
    reason: str,
    partner_name: str,
    partner_id: int | None = None,
    actor_id: int | None = None,
) -> None:
    """Write the notice in the staff request's own transaction: an outbox row, sent after commit
    (the request never waits for the mail server or the gateway), nothing at all if the request
    rolls back, and never lost with the broker (docs/decisions/0021-outbox.md)."""
    account_notice_send(
        user_id=user_id,
        channel=channel,
        reason=reason,
        partner_name=partner_name,
        partner_id=partner_id,
        actor_id=actor_id,
    )
