"""The issuer's identity and signing keys: which DID credentials name, which key signs now, the
DID document, and rotation (docs/decisions/0025-issuer-identity.md).

Keys live in IssuerKey (private parts encrypted with portal.crypto). One is current. A key given
in CREDENTIAL_SIGNING_KEY that the table does not know yet is taken in as the new current key:
that is how a deployment's first key arrives, and how rotating by changing the setting keeps
working. Once a key is in the table the table decides: `manage.py rotate_signing_key` makes a new
one current, and the setting may then be removed.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.crypto import decrypt_text, encrypt_text
from portal.models import User
from portal.services import audit_record

from ..models import IssuerKey
from ..vc import didweb
from ..vc.keys import (
    KeyFormatError,
    SigningKey,
    did_from_verification_method,
    private_key_from_text,
    private_key_to_text,
    public_key_from_did_key,
    public_key_from_multibase,
)


def issuer_did_web() -> str:
    """The portal's did:web, or "" when credentials are issued under the key's did:key."""
    configured = (settings.CREDENTIAL_ISSUER_DID or "").strip()
    if configured == "did:key":
        return ""
    if configured.startswith("did:web:") and len(configured) > len("did:web:"):
        return configured
    if configured:
        raise ImproperlyConfigured(
            "CREDENTIAL_ISSUER_DID must be empty, 'did:key' or a 'did:web:...' identifier."
        )
    if didweb.is_public_https(settings.SITE_URL):
        return didweb.did_web_for_url(settings.SITE_URL)
    return ""


def _as_issuer(record: IssuerKey, key: SigningKey) -> SigningKey:
    did_web = issuer_did_web()
    if did_web:
        return SigningKey(key.private_key, issuer_did=did_web, key_id=record.key_id)
    return SigningKey(key.private_key)


def _next_key_id() -> str:
    numbers = [
        int(key_id.removeprefix("key-"))
        for key_id in IssuerKey.objects.values_list("key_id", flat=True)
        if key_id.removeprefix("key-").isdigit()
    ]
    return f"key-{max(numbers, default=0) + 1}"


def _key_adopt(key: SigningKey, *, generated: bool, acting_user: User | None) -> IssuerKey:
    """`key` becomes the current key; the one before it is retired. Audited."""
    with transaction.atomic():
        previous = IssuerKey.objects.select_for_update().filter(retired_at__isnull=True).first()
        now = timezone.now()
        if previous is not None:
            previous.retired_at = now
            previous.save(update_fields=["retired_at"])
        record = IssuerKey.objects.create(
            key_id=_next_key_id(),
            did=key.did_key,
            public_key_multibase=key.public_key_multibase,
            private_key_encrypted=encrypt_text(private_key_to_text(key.private_key)),
            generated=generated,
            created_at=now,
        )
        audit_record(
            actor=acting_user,
            action="credential_key.rotated" if previous is not None else "credential_key.created",
            target=record,
            data={
                "key_id": record.key_id,
                "did_key": record.did,
                "previous_key_id": previous.key_id if previous is not None else "",
            },
        )
    return record


def _private_key(record: IssuerKey) -> SigningKey | None:
    if record.private_key_encrypted:
        return SigningKey(private_key_from_text(decrypt_text(record.private_key_encrypted)))
    # A record from before private parts were kept: the configured key, if it is this one.
    if settings.CREDENTIAL_SIGNING_KEY:
        key = SigningKey(private_key_from_text(settings.CREDENTIAL_SIGNING_KEY))
        if key.did_key == record.did:
            IssuerKey.objects.filter(pk=record.pk).update(
                private_key_encrypted=encrypt_text(private_key_to_text(key.private_key))
            )
            return key
    return None


def signing_key_current() -> tuple[IssuerKey, SigningKey]:
    """The key new credentials are signed with, as the issuer signs (did:web or did:key), and its
    record. The first call on a fresh database takes in CREDENTIAL_SIGNING_KEY, or generates a
    key when none is configured (a developer's machine)."""
    for _attempt in range(3):
        try:
            if settings.CREDENTIAL_SIGNING_KEY:
                key = SigningKey(private_key_from_text(settings.CREDENTIAL_SIGNING_KEY))
                if not IssuerKey.objects.filter(did=key.did_key).exists():
                    record = _key_adopt(key, generated=False, acting_user=None)
                    return record, _as_issuer(record, key)
            record = IssuerKey.objects.filter(retired_at__isnull=True).first()
            if record is None:
                record = _key_adopt(SigningKey.generate(), generated=True, acting_user=None)
            key = _private_key(record)
            if key is None:
                raise ImproperlyConfigured(
                    f"The current signing key {record.key_id} has no private part here: set "
                    "CREDENTIAL_SIGNING_KEY to it, or run `manage.py rotate_signing_key`."
                )
            return record, _as_issuer(record, key)
        except IntegrityError:
            # Another process took in or generated a key at the same moment: read again.
            continue
    raise IntegrityError("Could not settle on the current signing key.")


def signing_key_for_issuer(did: str, *, trusted_only: bool = False) -> SigningKey | None:
    """A key that may sign a status list published by `did`: for our did:web, the current key;
    for a did:key, that very key (a verifier requires the list's issuer to be the credential's),
    if the portal still has its private part. `trusted_only`: never a key marked compromised
    (for new credentials, such as a wallet's copy; a status list must still be re-signed with
    it, or its revocations could not be published)."""
    _record, current = signing_key_current()
    if did == current.did:
        return current
    if did.startswith("did:web:"):
        return None  # a did:web the portal no longer answers for
    record = IssuerKey.objects.filter(did=did).first()
    if record is None or (trusted_only and record.compromised_since is not None):
        return None
    return _private_key(record)


def public_key_of_ours(verification_method: str):
    """The public key of one of the portal's keys named by a verification method (its did:key,
    or `<our did:web>#key-N`); None for anyone else's."""
    did = did_from_verification_method(verification_method)
    try:
        if did.startswith("did:key:"):
            if not IssuerKey.objects.filter(did=did).exists():
                return None
            return public_key_from_did_key(did)
        did_web = issuer_did_web()
        if not did_web or did != did_web or "#" not in verification_method:
            return None
        key_id = verification_method.split("#", 1)[1]
        record = IssuerKey.objects.filter(key_id=key_id).first()
        return public_key_from_multibase(record.public_key_multibase) if record else None
    except KeyFormatError:
        return None


def did_document_current() -> dict | None:
    """The portal's DID document: every key it ever used; under assertionMethod those whose
    credentials may still be trusted. None without a did:web."""
    did = issuer_did_web()
    if not did:
        return None
    signing_key_current()  # a fresh deployment publishes its first key at once
    keys = [
        didweb.PublishedKey(
            key_id=record.key_id,
            public_key_multibase=record.public_key_multibase,
            trusted=record.trusted,
        )
        for record in IssuerKey.objects.only(
            "key_id", "public_key_multibase", "created_at", "compromised_since"
        )
    ]
    return didweb.did_document(did, keys)


def signing_key_rotate(*, acting_user: User | None = None) -> IssuerKey:
    """A new key becomes current; the current one is retired (it stays in the DID document, so
    what it signed keeps verifying). Audited."""
    signing_key_current()  # a configured key not yet taken in is taken in (and then retired)
    return _key_adopt(SigningKey.generate(), generated=True, acting_user=acting_user)
