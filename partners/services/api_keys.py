"""API keys for partners' case-management systems: shown once, stored hashed, revocable."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import audit_record

from ..errors import TransitionNotAllowed
from ..models import Partner, PartnerApiKey
from ..permissions import can_coordinate

KEY_PREFIX_BYTES = 4  # 8 hex characters, to find the key without scanning
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, partner: Partner, name: str, acting_user: User) -> tuple[PartnerApiKey, str]:
    """Returns the key and its full text, which is shown once and never stored."""
    if not can_coordinate(acting_user, partner):
        raise TransitionNotAllowed(_("Only a coordinator can create API keys."))
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(32)
    key = PartnerApiKey.objects.create(
        partner=partner,
        name=name.strip()[:100],
        prefix=prefix,
        key_hash=_hash(secret),
        created_by=acting_user,
    )
    audit_record(actor=acting_user, action="api_key.created", target=key, partner_id=partner.pk)
    return key, f"{prefix}.{secret}"


@transaction.atomic
def api_key_revoke(*, key: PartnerApiKey, acting_user: User) -> PartnerApiKey:
    if not can_coordinate(acting_user, key.partner_id):
        raise TransitionNotAllowed(_("Only a coordinator can revoke API keys."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user, action="api_key.revoked", target=key, partner_id=key.partner_id
        )
    return key


def api_key_authenticate(raw: str) -> PartnerApiKey | None:
    """The live key matching `prefix.secret`, or None. Compares in constant time."""
    prefix, _sep, secret = (raw or "").strip().partition(".")
    if not prefix or not secret:
        return None
    key = (
        PartnerApiKey.objects.select_related("partner")
        .filter(prefix=prefix, revoked_at__isnull=True, partner__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
