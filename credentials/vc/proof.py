"""DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite (W3C VC Data Integrity EdDSA 1.0).

Signing: canonicalise the proof options (with the document's @context) and the document without
its proof with RDFC-1.0; hash each with SHA-256; sign proofHash || documentHash with Ed25519;
the proofValue is the signature in multibase base58btc.
"""

import hashlib
from datetime import datetime

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
    return {**document, "proof": {**proof, "proofValue": multibase.base58btc(signature)}}


def _issuer_id(document: dict) -> str:
    issuer = document.get("issuer")
    return str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")


def verify(document: dict) -> bool:
    """Whether the document's proof is a valid eddsa-rdfc-2022 signature by the did:key named in
    its verificationMethod, and that did:key is the document's issuer (as a verifier checks an
    assertion proof). (Whether that key is one of ours is the caller's question.)"""
    proof = document.get("proof")
    if not isinstance(proof, dict):
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
        public_key = public_key_from_did_key(str(proof.get("verificationMethod", "")))
        signature = multibase.from_base58btc(str(proof.get("proofValue", "")))
        check_all_terms_defined({k: v for k, v in document.items() if k != "proof"})
        data = _hash_data(document, proof)
    except (KeyFormatError, ValueError, TypeError, KeyError, AttributeError, JsonLdError):
        # A malformed document of any kind is simply not valid.
        return False
    return signature_valid(public_key, signature, data)
