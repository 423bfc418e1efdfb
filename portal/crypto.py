"""Encryption of identifiers at rest, and keyed hashes for exact search.

The key comes from FIELD_ENCRYPTION_KEY (a Fernet key, or several separated by commas: the first
encrypts, all decrypt, so a key can be rotated). Without it — only on a developer's machine — a
key is derived from SECRET_KEY; `check --deploy` warns about that.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _derived_key(purpose: str) -> bytes:
    digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> list[str]:
    return [
        k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEY", "").split(",") if k.strip()
    ]


@cache
def _fernet() -> MultiFernet:
    keys = configured_keys() or [_derived_key("portal.field-encryption").decode()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt_text(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt_text(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(bytes(token))


def keyed_hash(text: str, *, purpose: str) -> str:
    """A stable HMAC of a normalised value, to find exact matches without storing plaintext."""
    key = (configured_keys() or [_derived_key("portal.keyed-hash").decode()])[-1]
    normalised = " ".join(text.split()).casefold()
    return hmac.new(f"{purpose}:{key}".encode(), normalised.encode(), hashlib.sha256).hexdigest()
