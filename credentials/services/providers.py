"""Course providers, as programme admins create and change them in the Django admin."""

from django.db import transaction

from portal.models import User
from portal.services import audit_record

from ..models import Provider


@transaction.atomic
def provider_save_in_admin(
    *, provider: Provider, changed_fields: list[str], created: bool, acting_user: User
) -> Provider:
    """Save the provider and record who changed which fields; of the API token, only whether it
    changed (never the token itself)."""
    provider.save()
    audit_record(
        actor=acting_user,
        action="provider.created" if created else "provider.changed",
        target=provider,
        data={
            "fields": [name for name in changed_fields if name != "api_token"],
            "token_changed": "api_token" in changed_fields,
        },
    )
    return provider
