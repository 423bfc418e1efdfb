"""A signing key that leaked: what it signed from the moment it may have leaked is revoked.

The key stays in the DID document (every key ever used is listed) and, when only part of what it
signed is revoked, under assertionMethod too: its earlier credentials keep verifying. Compromised
from (or before) its first day, nothing it signed is trusted and it leaves assertionMethod.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from portal.models import User
from portal.services import audit_record

from ..errors import CredentialNotAllowed
from ..models import IssuerKey
from .issuance import credentials_revoke_signed_by, status_lists_resign_signed_by
from .signing_keys import issuer_did_web, signing_key_rotate


@dataclass(frozen=True)
class Compromise:
    key: IssuerKey
    rotated_to: IssuerKey | None  # the new current key, when the compromised one was current
    revoked: int
    status_lists_resigned: int


def signing_key_mark_compromised(
    *, key_id: str, since: datetime, acting_user: User | None = None
) -> Compromise:
    """Mark `key_id` compromised since `since` and revoke every credential it signed from then
    on. A current key is first rotated away. Marking again with an earlier time widens it."""
    rotated_to = None
    if IssuerKey.objects.filter(key_id=key_id, retired_at__isnull=True).exists():
        rotated_to = signing_key_rotate(acting_user=acting_user)
    with transaction.atomic():
        key = IssuerKey.objects.select_for_update().filter(key_id=key_id).first()
        if key is None:
            raise CredentialNotAllowed(f"There is no signing key {key_id}.", code="unknown_key")
        if key.compromised_since is None or since < key.compromised_since:
            key.compromised_since = since
            key.save(update_fields=["compromised_since"])
        audit_record(
            actor=acting_user,
            action="credential_key.compromised",
            target=key,
            data={"key_id": key.key_id, "since": key.compromised_since.isoformat()},
        )
        revoked = credentials_revoke_signed_by(
            issuer_key=key,
            since=key.compromised_since,
            reason=f"The issuer's signing key {key.key_id} was compromised.",
            acting_user=acting_user,
        )
    did_web = issuer_did_web()
    resigned = status_lists_resign_signed_by(f"{did_web}#{key.key_id}") if did_web else 0
    return Compromise(
        key=key, rotated_to=rotated_to, revoked=revoked, status_lists_resigned=resigned
    )
