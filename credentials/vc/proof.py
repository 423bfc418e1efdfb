"""DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite (W3C VC Data Integrity EdDSA 1.0).

Signing: canonicalise the proof options (with the document's @context) and the document without
its proof with RDFC-1.0; hash each with SHA-256; sign proofHash || documentHash with Ed25519;
the proofValue is the signature in multibase base58btc.

The proof is written as an array of one proof: OB 3.0's JSON schema requires an array, and to
JSON-LD (so to every verifier) a one-item array and the item are the same.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld.jsonld import JsonLdError

from . import multibase
from .keys import (
    KeyFormatError,
    SigningKey,
    did_from_verification_method,
    public_key_from_did_key,
    signature_valid,
)
from .rdfc import canonize, check_all_terms_defined

CRYPTOSUITE = "eddsa-rdfc-2022"


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {**proof_options, "@context": document["@context"]}
    options.pop("proofValue", None)
    proof_hash = hashlib.sha256(canonize(options).encode()).digest()
    document_hash = hashlib.sha256(canonize(unsigned).encode()).digest()
    return proof_hash + document_hash


def timestamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(document: dict, key: SigningKey, *, created: datetime) -> dict:
    """The document with a proof added. Refuses a document with terms its contexts don't define
    (verifiers in safe mode reject those)."""
    check_all_terms_defined(document)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": timestamp(created),
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, proof))
    return {**document, "proof": [{**proof, "proofValue": multibase.base58btc(signature)}]}


def proof_of(document: dict) -> dict:
    """The document's one proof (written as a one-item array, or as an object by earlier
    versions of the portal); {} when there is not exactly one."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else {}


def _issuer_id(document: dict) -> str:
    issuer = document.get("issuer")
    return str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")


def verify(
    document: dict, public_key_for: Callable[[str], Ed25519PublicKey | None] | None = None
) -> bool:
    """Whether the document's proof is a valid eddsa-rdfc-2022 signature by the key named in its
    verificationMethod, whose DID is the document's issuer (as a verifier checks an assertion
    proof). `public_key_for` resolves a verification method (a did:web's, from the DID document)
    to its public key, or None; by default only did:key is resolved. (Whether that key is one of
    ours is the caller's question.)"""
    proof = proof_of(document)
    if not proof:
        return False
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    if proof.get("proofPurpose") != "assertionMethod":
        return False
    if did_from_verification_method(str(proof.get("verificationMethod", ""))) != _issuer_id(
        document
    ):
        return False
    try:
        method = str(proof.get("verificationMethod", ""))
        public_key = public_key_for(method) if public_key_for else public_key_from_did_key(method)
        if public_key is None:
            return False
        signature = multibase.from_base58btc(str(proof.get("proofValue", "")))
        check_all_terms_defined({k: v for k, v in document.items() if k != "proof"})
        data = _hash_data(document, proof)
    except (KeyFormatError, ValueError, TypeError, KeyError, AttributeError, JsonLdError):
        # A malformed document of any kind is simply not valid.
        return False
    return signature_valid(public_key, signature, data)
