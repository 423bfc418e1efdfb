"""API keys for course providers' systems (they report completions): created and revoked by
programme admins. The key mechanism (text, hash, revocation, authentication) is the portal's
(portal/api_keys/), the same as partners' keys; a partner's key is never a provider's key."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from partners.permissions import is_programme_admin
from portal.api_keys import services as keys
from portal.models import User

from ..models import Provider, ProviderApiKey


def provider_api_key_create(
    *, provider: Provider, name: str, acting_user: User
) -> tuple[ProviderApiKey, str]:
    """Returns the key and its full text, which is shown once and never stored."""
    if not is_programme_admin(acting_user):
        raise ValidationError(
            _("Only programme admins can create provider API keys."), code="forbidden"
        )
    return keys.api_key_issue(
        model=ProviderApiKey, owner=provider, name=name, acting_user=acting_user
    )


def provider_api_key_revoke(*, key: ProviderApiKey, acting_user: User) -> ProviderApiKey:
    """Revoked at once: the next request with the key is refused. Revoking twice changes nothing."""
    if not is_programme_admin(acting_user):
        raise ValidationError(
            _("Only programme admins can revoke provider API keys."), code="forbidden"
        )
    return keys.api_key_revoke(key=key, acting_user=acting_user)


def provider_api_key_authenticate(raw: str) -> ProviderApiKey | None:
    """The live key of an active provider matching `prefix.secret`, or None."""
    return keys.api_key_authenticate(ProviderApiKey, raw)
