"""The endpoints wallets call: token (pre-authorized code + transaction code) and credential
(holder-bound, once per token)."""

import hmac
import math
import secrets
import time

from django.db import transaction
from django.utils import timezone

from portal.services import audit_record

from ...models import CredentialStatus, WalletOffer
from ...vc.holder_keys import HolderKeyError, proof_jwt_verify
from ..issuance import credential_for_holder
from .common import (
    CONFIGURATION_ID,
    CREDENTIAL_TYPE,
    NONCE_LIFETIME_SECONDS,
    PRE_AUTHORIZED_GRANT,
    PROOF_CLOCK_SKEW_SECONDS,
    PROOF_TYP,
    TOKEN_LIFETIME,
    TX_CODE_MAX_FAILURES,
    WalletError,
    credential_issuer,
    digest,
    nonce_new,
    nonce_valid,
    tx_code_digest,
)

# --- the token endpoint -------------------------------------------------------------------------


def wallet_token_grant(*, params: dict) -> dict:
    """The token request (RFC 6749 section 4.1.3 with OpenID4VCI 1.0 section 6.1): the access
    token response, or WalletError (invalid_request, unsupported_grant_type, invalid_grant)."""
    grant_type = params.get("grant_type")
    if not grant_type:
        raise WalletError("invalid_request", "grant_type is missing")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise WalletError("unsupported_grant_type")
    code = params.get("pre-authorized_code")
    if not code:
        raise WalletError("invalid_request", "pre-authorized_code is missing")
    tx_code = params.get("tx_code")
    if not tx_code:
        # Every offer of ours asks for a transaction code (section 6.3: invalid_request).
        raise WalletError("invalid_request", "tx_code is missing")
    code_hash = digest(code)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        offer = (
            WalletOffer.objects.select_for_update(of=("self",))
            .select_related("credential")
            .filter(code_hash=code_hash)
            .first()
        )
        if offer is None:
            raise WalletError("invalid_grant", "unknown pre-authorized code")
        if offer.redeemed_at is not None:
            raise WalletError("invalid_grant", "the pre-authorized code was already used")
        if offer.expires_at <= now:
            raise WalletError("invalid_grant", "the pre-authorized code has expired")
        if offer.tx_code_failures >= TX_CODE_MAX_FAILURES:
            raise WalletError("invalid_grant", "too many wrong transaction codes")
        if not hmac.compare_digest(offer.tx_code_hash, tx_code_digest(code_hash, str(tx_code))):
            offer.tx_code_failures += 1
            offer.save(update_fields=["tx_code_failures"])
            # Raised after the block: the failure is counted although the request is refused.
            wrong = WalletError("invalid_grant", "wrong transaction code")
        else:
            wrong = None
            offer.redeemed_at = now
            offer.token_hash = digest(token)
            offer.token_expires_at = now + TOKEN_LIFETIME
            offer.save(update_fields=["redeemed_at", "token_hash", "token_expires_at"])
            audit_record(
                actor=None,
                action="credential.wallet_token",
                target=offer.credential,
                data={"offer": offer.pk},
            )
    if wrong is not None:
        raise wrong
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        # Draft 13 wallets take the first nonce from here; 1.0 wallets ask the nonce endpoint.
        "c_nonce": nonce_new(),
        "c_nonce_expires_in": NONCE_LIFETIME_SECONDS,
    }


# --- the credential endpoint --------------------------------------------------------------------


def _offer_for_token(authorization: str) -> WalletOffer:
    scheme, _space, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WalletError("invalid_token", "a Bearer access token is required", status=401)
    offer = (
        WalletOffer.objects.select_for_update(of=("self",))
        .select_related("credential__issuer_key", "credential__status_list", "credential__learner")
        .filter(token_hash=digest(token.strip()))
        .first()
    )
    if offer is None or offer.token_expires_at is None or offer.token_expires_at <= timezone.now():
        raise WalletError("invalid_token", "unknown or expired access token", status=401)
    if offer.issued_at is not None:
        raise WalletError("invalid_token", "the access token was already used", status=401)
    return offer


def _proof_jwt(body: dict) -> str:
    """The one JWT proof of the request: `proofs` (1.0) or `proof` (drafts up to 14)."""
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise WalletError("invalid_credential_request", "proof and proofs must not both be given")
    if proofs is not None:
        if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
            raise WalletError("invalid_proof", "only the jwt proof type is supported")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or len(jwts) != 1:
            # No batch issuance: one key, one credential.
            raise WalletError("invalid_proof", "exactly one jwt proof is expected")
        return jwts[0]
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt":
        return proof.get("jwt")
    raise WalletError("invalid_proof", "a jwt proof of possession is required")


def _check_configuration(body: dict) -> None:
    configuration = body.get("credential_configuration_id")
    if configuration is not None:
        if configuration != CONFIGURATION_ID:
            raise WalletError("unknown_credential_configuration")
        return
    if body.get("credential_identifier") is not None:
        raise WalletError("unknown_credential_identifier")
    # Drafts up to 14 name the format instead.
    definition = body.get("credential_definition") or {}
    if body.get("format") != "ldp_vc" or not isinstance(definition, dict):
        raise WalletError("invalid_credential_request", "credential_configuration_id is missing")
    types = definition.get("type") or []
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise WalletError("invalid_credential_request", "credential_definition.type is a list")
    if set(types) != set(CREDENTIAL_TYPE):
        raise WalletError("unknown_credential_configuration")


def holder_from_proof(jwt) -> str:
    """The holder's DID from a valid proof JWT, or WalletError (invalid_proof, invalid_nonce)."""
    try:
        proof = proof_jwt_verify(jwt, typ=PROOF_TYP)
    except HolderKeyError as error:
        raise WalletError("invalid_proof", str(error)) from error
    claims = proof.payload
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if credential_issuer() not in audiences:
        raise WalletError("invalid_proof", "aud must be the credential issuer")
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or isinstance(issued, bool) or not math.isfinite(issued):
        raise WalletError("invalid_proof", "iat is missing")
    if abs(time.time() - issued) > PROOF_CLOCK_SKEW_SECONDS:
        raise WalletError("invalid_proof", "iat is too far from now")
    if "nonce" not in claims:
        raise WalletError("invalid_proof", "the proof has no nonce")
    if not nonce_valid(claims["nonce"]):
        raise WalletError("invalid_nonce", "the nonce is wrong or expired")
    return proof.holder.did


def wallet_credential_issue(*, authorization: str, body) -> dict:
    """The credential request (OpenID4VCI 1.0 section 8): the credential issued for the holder
    whose key signed the proof, once per access token."""
    if not isinstance(body, dict):
        raise WalletError("invalid_credential_request", "the request is not a JSON object")
    with transaction.atomic():
        offer = _offer_for_token(authorization)
        _check_configuration(body)
        holder_did = holder_from_proof(_proof_jwt(body))
        credential = offer.credential
        learner = credential.learner
        if (
            credential.status == CredentialStatus.REVOKED
            or learner is None
            or not learner.is_active
        ):
            raise WalletError(
                "credential_request_denied", "this credential can no longer be issued"
            )
        document = credential_for_holder(credential=credential, subject_id=holder_did)
        if document is None:
            raise WalletError(
                "credential_request_denied", "this credential can no longer be issued"
            )
        offer.issued_at = timezone.now()
        offer.holder_did_hash = digest(holder_did)
        offer.save(update_fields=["issued_at", "holder_did_hash"])
        audit_record(
            actor=None,
            action="credential.wallet_issued",
            target=credential,
            data={
                "offer": offer.pk,
                "holder_method": ":".join(holder_did.split(":", 2)[:2]),
                "holder_did_sha256": offer.holder_did_hash,
            },
        )
    response = {"credentials": [{"credential": document}]}
    if "proof" in body:
        # Drafts up to 14 read a single `credential`.
        response["credential"] = document
    return response
