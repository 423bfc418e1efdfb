"""A wallet's key, from the JWT proof of possession it sends (OpenID4VCI `jwt` proof type).

The holder is named by a DID in the JWT header's `kid` — `did:key` (Ed25519 multicodec 0xed,
P-256 compressed multicodec 0x1200) or `did:jwk` (base64url JSON Web Key) — or, as the EUDI
wallet does, by a bare `jwk` header, which becomes the equivalent `did:jwk`. EdDSA signatures go
with Ed25519 keys, ES256 with P-256 (JWS: raw r||s).
"""

import base64
import binascii
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import multibase

ALGORITHMS = ("EdDSA", "ES256")
P256_PUB = b"\x80\x24"  # multicodec p256-pub (0x1200) as an unsigned varint


class HolderKeyError(ValueError):
    """The proof names no usable key, or its signature does not verify."""


@dataclass(frozen=True)
class HolderKey:
    did: str  # what becomes credentialSubject.id
    public_key: Ed25519PublicKey | ec.EllipticCurvePublicKey

    @property
    def alg(self) -> str:
        return "EdDSA" if isinstance(self.public_key, Ed25519PublicKey) else "ES256"


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise HolderKeyError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise HolderKeyError("not base64url") from error


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _key_from_jwk(jwk: dict):
    if not isinstance(jwk, dict) or "d" in jwk:
        raise HolderKeyError("a public JWK is needed")
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        raw = b64url_decode(jwk.get("x", ""))
        if len(raw) != 32:
            raise HolderKeyError("an Ed25519 key is 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        x, y = b64url_decode(jwk.get("x", "")), b64url_decode(jwk.get("y", ""))
        if len(x) != 32 or len(y) != 32:
            raise HolderKeyError("a P-256 coordinate is 32 bytes")
        try:
            return ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            ).public_key()
        except ValueError as error:
            raise HolderKeyError("not a point on P-256") from error
    raise HolderKeyError("only Ed25519 and P-256 keys are accepted")


def _key_from_did_key(identifier: str):
    try:
        raw = multibase.from_base58btc(identifier)
    except (ValueError, KeyError) as error:
        raise HolderKeyError("not a did:key") from error
    if raw[:2] == multibase.ED25519_PUB and len(raw) == 34:
        return Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw[:2] == P256_PUB and len(raw) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError as error:
            raise HolderKeyError("not a point on P-256") from error
    raise HolderKeyError("only Ed25519 and P-256 did:keys are accepted")


def holder_key_from_header(header: dict) -> HolderKey:
    """The key a proof JWT's header names (`kid` with a DID URL, or `jwk`)."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if kid is not None and jwk is not None:
        raise HolderKeyError("kid and jwk must not both be given")
    if jwk is not None:
        key = _key_from_jwk(jwk)
        public = {k: jwk[k] for k in ("crv", "kty", "x", "y") if k in jwk}
        did = "did:jwk:" + _b64url(json.dumps(public, separators=(",", ":")).encode())
        return HolderKey(did=did, public_key=key)
    if not isinstance(kid, str):
        raise HolderKeyError("the proof names no key (kid or jwk)")
    did = kid.split("#", 1)[0]
    if did.startswith("did:key:"):
        key = _key_from_did_key(did.removeprefix("did:key:"))
    elif did.startswith("did:jwk:"):
        try:
            jwk = json.loads(b64url_decode(did.removeprefix("did:jwk:")))
        except (ValueError, UnicodeDecodeError) as error:
            raise HolderKeyError("not a did:jwk") from error
        key = _key_from_jwk(jwk)
    else:
        raise HolderKeyError("only did:key and did:jwk holders are accepted")
    return HolderKey(did=did, public_key=key)


@dataclass(frozen=True)
class ProofJwt:
    header: dict
    payload: dict
    holder: HolderKey


def proof_jwt_verify(jwt: str, *, typ: str) -> ProofJwt:
    """Parse a compact JWS, resolve its key and check its signature and `typ`/`alg` header
    (the claims are the caller's to check)."""
    if not isinstance(jwt, str) or jwt.count(".") != 2:
        raise HolderKeyError("not a compact JWT")
    header_part, payload_part, signature_part = jwt.split(".")
    try:
        header = json.loads(b64url_decode(header_part))
        payload = json.loads(b64url_decode(payload_part))
    except (ValueError, UnicodeDecodeError) as error:
        raise HolderKeyError("the JWT is not JSON") from error
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise HolderKeyError("the JWT is not JSON objects")
    if header.get("typ") != typ:
        raise HolderKeyError(f"the JWT's typ must be {typ}")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise HolderKeyError("unsupported alg")
    holder = holder_key_from_header(header)
    if holder.alg != alg:
        raise HolderKeyError("the alg does not match the key")
    signature = b64url_decode(signature_part)
    signed = f"{header_part}.{payload_part}".encode("ascii")
    try:
        if alg == "EdDSA":
            holder.public_key.verify(signature, signed)
        else:
            if len(signature) != 64:
                raise HolderKeyError("an ES256 signature is 64 bytes")
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            holder.public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise HolderKeyError("the signature does not verify") from error
    return ProofJwt(header=header, payload=payload, holder=holder)
