"""The core's part of a learner's data rights: the account (User, its e-mail addresses,
authenticators and sessions, which django-allauth keeps for the core), the messages sent to it
(the outbox), the audit log and the Django admin's history. learners/services/data_rights.py
orchestrates the export and the erasure and asks each app for its own part
(docs/decisions/0017-layout.md); this module touches only the core's tables and those of the
libraries the core runs (allauth, sessions, the admin's log).
"""

import logging
import secrets
from collections.abc import Callable, Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet

from .accounts import account_sessions_end
from .models import AuditEvent, OutboxMessage, Role, User
from .storage import private_storage

logger = logging.getLogger(__name__)

ERASED_EMAIL_DOMAIN = "erased.invalid"

# Who did something, as the learner's copy of their data says it: nobody but the learner named.
Someone = Callable[[int | None], str]


def when(value) -> str | None:
    """A date or time as the export writes it."""
    return value.isoformat() if value else None


def country_code(value) -> str:
    """A country (django-countries' Country, or its code) as the export writes it."""
    return getattr(value, "code", value) or ""


# --- export --------------------------------------------------------------------------------------


def audit_events_about(user: User, targets: dict[str, Iterable[int]]) -> QuerySet[AuditEvent]:
    """Events where the learner is the actor or one of their records is the object. `targets`
    maps an object type ("partners.application") to the ids of the learner's records of that
    type; each app names its own (learner_audit_targets)."""
    condition = Q(pk__in=[])
    for object_type, pks in targets.items():
        pks = [str(pk) for pk in pks]
        if pks:
            condition |= Q(object_type=object_type, object_id__in=pks)
    return AuditEvent.objects.filter(Q(actor=user) | condition).order_by("created_at", "id")


def someone_for(user: User, actor_ids: Iterable[int]) -> Someone:
    """How the export names the people who acted (one query): "you", "partner staff",
    "programme staff", "portal" (nobody: a background job), never a name or an e-mail."""
    roles = dict(User.objects.filter(pk__in=set(actor_ids)).values_list("pk", "role"))

    def someone(actor_id: int | None) -> str:
        if actor_id is None:
            return "portal"
        if actor_id == user.pk:
            return "you"
        role = roles.get(actor_id)
        if role == Role.PARTNER_STAFF:
            return "partner staff"
        if role == Role.PROGRAMME_ADMIN:
            return "programme staff"
        return "someone else"

    return someone


def account_export(user: User) -> dict:
    """The account: how the learner signs in, in which language, and where they are signed in."""
    phone = user.phone or ""
    return {
        "email": user.email if user.has_real_email else None,
        "phone": str(phone) or None,
        "login_code": user.login_code,
        "language": user.language,
        "joined_at": when(user.date_joined),
        "last_login_at": when(user.last_login),
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
            .exclude(email__iendswith="@" + settings.NO_EMAIL_DOMAIN)
            .order_by("pk")
        ],
        "sign_in_methods": sorted(
            set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        ),
        "sessions": [
            {
                "started_at": when(s.created_at),
                "last_seen_at": when(s.last_seen_at),
                "ip": s.ip,
                "browser": s.user_agent,
            }
            for s in UserSession.objects.filter(user=user).order_by("created_at")
        ],
    }


def messages_export(user: User) -> list[dict]:
    """The e-mails and text messages the portal sent (or tried to send) to the account: what
    about, how, whether they arrived. Not their addresses or texts (the learner has them)."""
    return [
        {
            "kind": row["kind"],
            "channel": row["channel"],
            "status": row["status"],
            "created_at": when(row["created_at"]),
            "sent_at": when(row["sent_at"]),
        }
        for row in OutboxMessage.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values("kind", "channel", "status", "created_at", "sent_at")
    ]


def audit_events_export(events: Iterable[AuditEvent], someone: Someone) -> list[dict]:
    return [
        {
            "at": when(event.created_at),
            "action": event.action,
            "by": someone(event.actor_id),
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": event.data,
        }
        for event in events
    ]


# --- erasure -------------------------------------------------------------------------------------


def erased_email() -> str:
    return f"erased-{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}"


def files_delete_after_commit(names: Iterable[str]) -> None:
    """Delete these files of the private storage once the transaction commits (never before:
    a rolled-back erasure keeps its documents)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: files_delete(names))


def files_delete(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete %s", name)


def admin_log_clear(objects: dict[type[models.Model], list[int]]) -> None:
    """The Django admin's history names objects by their __str__ (an e-mail, a display name):
    each app names its own objects here."""
    for model, pks in objects.items():
        if not pks:
            continue
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).update(object_repr="", change_message="")


def audit_details_clear(event_ids: list[int]) -> None:
    # The audit log is append-only for the portal's code; erasure is the one exception, and it
    # empties only the details (reasons typed by people), never the event itself.
    models.QuerySet.update(AuditEvent.objects.filter(pk__in=event_ids), data={})


def account_erase(*, user: User) -> None:
    """Empty the account of everything that identifies the learner and close it for good: its
    e-mail addresses, authenticators and sessions go, the row stays (the statistics count it,
    anonymously). Inside the erasure's transaction, with the user's row locked."""
    # Its messages, sent or not: their addresses and texts go; one being sent right now finds
    # its row gone and records nothing.
    OutboxMessage.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    account_sessions_end(user=user)
    admin_log_clear({User: [user.pk]})
    user.email = erased_email()
    user.set_unusable_password()
    user.is_active = False
    user.login_code = None
    user.password_is_temporary = False
    user.last_login = None
    user.phone = None
    user.phone_verified = False
    user.save(
        update_fields=[
            "email",
            "password",
            "is_active",
            "login_code",
            "password_is_temporary",
            "last_login",
            "phone",
            "phone_verified",
        ]
    )
