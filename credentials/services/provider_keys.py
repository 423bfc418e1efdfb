"""API keys for course providers' systems (they report completions): created by programme admins,
shown once, stored as a SHA-256 hash, revocable. Same `prefix.secret` format as partner keys."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.permissions import is_programme_admin
from portal.models import User
from portal.services import audit_record

from ..models import Provider, ProviderApiKey

KEY_PREFIX_BYTES = 4  # 8 hex characters, to find the key without scanning
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def provider_api_key_create(
    *, provider: Provider, name: str, acting_user: User
) -> tuple[ProviderApiKey, str]:
    """Returns the key and its full text, which is shown once and never stored."""
    if not is_programme_admin(acting_user):
        raise ValidationError(
            _("Only programme admins can create provider API keys."), code="forbidden"
        )
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError(_("Please name the key."), code="name")
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(32)
    key = ProviderApiKey.objects.create(
        provider=provider, name=name, prefix=prefix, key_hash=_hash(secret)
    )
    audit_record(
        actor=acting_user,
        action="provider_api_key.created",
        target=key,
        data={"provider": provider.pk},
    )
    return key, f"{prefix}.{secret}"


@transaction.atomic
def provider_api_key_revoke(*, key: ProviderApiKey, acting_user: User) -> ProviderApiKey:
    """Revoked at once: the next request with the key is refused. Revoking twice changes nothing."""
    if not is_programme_admin(acting_user):
        raise ValidationError(
            _("Only programme admins can revoke provider API keys."), code="forbidden"
        )
    key = ProviderApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action="provider_api_key.revoked",
            target=key,
            data={"provider": key.provider_id},
        )
    return key


def provider_api_key_authenticate(raw: str) -> ProviderApiKey | None:
    """The live key matching `prefix.secret` of an active provider, or None. Compares in
    constant time; a partner's key is never a provider's key."""
    prefix, _sep, secret = (raw or "").strip().partition(".")
    if not prefix or not secret:
        return None
    key = (
        ProviderApiKey.objects.select_related("provider")
        .filter(prefix=prefix, revoked_at__isnull=True, provider__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ProviderApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


# --- reads for the programme admins' page -------------------------------------------------------


def provider_api_keys_for_admin(user: User) -> QuerySet[ProviderApiKey]:
    """Every provider key with its provider (one query), for programme admins; 404 otherwise."""
    if not is_programme_admin(user):
        raise Http404
    return ProviderApiKey.objects.select_related("provider").order_by(
        "provider__name", "-created_at", "-pk"
    )


def provider_api_key_get_for_admin_or_404(user: User, pk: int) -> ProviderApiKey:
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(ProviderApiKey.objects.select_related("provider"), pk=pk)
