"""Issuing, revoking and authenticating API keys of any owner (partner or provider).

A key's text is `<prefix>.<secret>`: 8 random hex characters that find the key without a scan,
and 43 URL-safe characters (256 random bits). Only the prefix and the SHA-256 hash of the secret
are stored: a secret this random needs no salt or slow hash, and the hash is compared in
constant time. The text is returned once, when the key is issued, and never again.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AbstractApiKey, User
from ..services import audit_record

K = TypeVar("K", bound=AbstractApiKey)

KEY_PREFIX_BYTES = 4  # 8 hex characters
KEY_SECRET_BYTES = 32
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_split(text: str) -> tuple[str, str]:
    """The prefix and secret of a key's text; empty strings when it has no such shape."""
    prefix, _sep, secret = (text or "").strip().partition(".")
    if not prefix or not secret:
        return "", ""
    return prefix, secret


@transaction.atomic
def api_key_issue(
    *, model: type[K], owner, name: str, acting_user: User | None, **fields
) -> tuple[K, str]:
    """A new key of `owner`, and its text (shown once, never stored). The caller has checked
    that `acting_user` may do this; the audit event is `<model.audit_action>.created`."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError(_("Please name the key."), code="name")
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(KEY_SECRET_BYTES)
    key = model.objects.create(
        **{model.owner_field: owner},
        name=name,
        prefix=prefix,
        key_hash=key_hash(secret),
        **fields,
    )
    audit_record(
        actor=acting_user, action=f"{model.audit_action}.created", target=key, **key.audit_scope()
    )
    return key, f"{prefix}.{secret}"


@transaction.atomic
def api_key_revoke(*, key: K, acting_user: User | None) -> K:
    """Revoked at once: the next request with the key is refused. Revoking twice changes
    nothing (and is not audited twice). The caller has checked that `acting_user` may do this."""
    locked = type(key).objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action=f"{key.audit_action}.revoked",
            target=locked,
            **locked.audit_scope(),
        )
    key.revoked_at = locked.revoked_at
    return key


def api_key_authenticate(model: type[K], text: str) -> K | None:
    """The live key of `model` whose text this is, with its owner (one query), or None: unknown,
    wrong secret, revoked, or its owner deactivated. Records when the key was last used."""
    prefix, secret = key_split(text)
    if not prefix:
        return None
    owner = model.owner_field
    key = (
        model.objects.select_related(owner)
        .filter(prefix=prefix, revoked_at__isnull=True, **{f"{owner}__is_active": True})
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, key_hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        model.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
