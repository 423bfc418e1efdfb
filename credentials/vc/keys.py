"""Ed25519 signing keys, and the identifiers credentials name them by.

did:key for Ed25519 is the multibase (base58btc) encoding of the multicodec header 0xed01 and the
32-byte public key; the verification method is `did:key:<mb>#<mb>`. A did:key is self-describing,
so a credential stays verifiable by anyone, offline, after the portal has moved to a new key.

When the portal has a domain its issuer is a did:web instead (credentials.vc.didweb): the key is
then named `did:web:<host>#key-N`, a verification method of the DID document the portal serves.
Every key always has its did:key too: the portal's records know a key by it.
"""

import base64
import binascii
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import multibase


class KeyFormatError(ValueError):
    pass


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """A private key from configuration: the 32-byte seed in base64 (standard or URL-safe) or a
    multibase Multikey secret (`z3u2...`)."""
    text = text.strip()
    try:
        # A 32-byte seed is 43 characters of base64 (44 padded) and may itself start with "z";
        # a Multikey secret (multibase, 34 bytes) is 48.
        if text.startswith("z") and len(text) > 44:
            raw = multibase.from_base58btc(text)
            if raw[:2] != multibase.ED25519_PRIV:
                raise KeyFormatError("not an Ed25519 Multikey secret key")
            seed = raw[2:]
        else:
            seed = base64.urlsafe_b64decode(
                text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4)
            )
    except (binascii.Error, ValueError) as error:
        raise KeyFormatError(str(error)) from error
    if len(seed) != 32:
        raise KeyFormatError("an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_to_text(key: Ed25519PrivateKey) -> str:
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.urlsafe_b64encode(seed).decode().rstrip("=")


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase.base58btc(multibase.ED25519_PUB + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = multibase.from_base58btc(value)
    if raw[:2] != multibase.ED25519_PUB or len(raw) != 34:
        raise KeyFormatError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_from_verification_method(verification_method: str) -> str:
    return verification_method.split("#", 1)[0]


def public_key_from_did_key(did_or_method: str) -> Ed25519PublicKey:
    did = did_from_verification_method(did_or_method)
    if not did.startswith("did:key:"):
        raise KeyFormatError("not a did:key")
    return public_key_from_multibase(did.removeprefix("did:key:"))


@dataclass(frozen=True)
class SigningKey:
    """A private key and the identity it signs as: its own did:key, or (`issuer_did` and
    `key_id` given) the verification method `<issuer_did>#<key_id>` of a did:web issuer."""

    private_key: Ed25519PrivateKey
    issuer_did: str = ""
    key_id: str = ""

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(Ed25519PrivateKey.generate())

    @cached_property
    def public_key_multibase(self) -> str:
        return public_key_multibase(self.private_key.public_key())

    @property
    def did_key(self) -> str:
        return f"did:key:{self.public_key_multibase}"

    @property
    def did(self) -> str:
        """The issuer a credential signed with this key names."""
        return self.issuer_did or self.did_key

    @property
    def verification_method(self) -> str:
        if self.issuer_did:
            return f"{self.issuer_did}#{self.key_id}"
        return f"{self.did_key}#{self.public_key_multibase}"

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def signature_valid(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
