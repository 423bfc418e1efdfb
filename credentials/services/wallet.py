"""A credential into the learner's wallet app over OpenID4VCI 1.0, pre-authorized code flow
(docs/decisions/0026-wallet-issuance.md).

1. The learner asks for an offer (`wallet_offer_create`): a random pre-authorized code (in the
   offer's QR code and link, valid OFFER_LIFETIME, single use) and a 6-digit transaction code
   sent to them by SMS or e-mail, which they type into the wallet. Only hashes are stored.
2. The wallet exchanges code + transaction code for an access token (`wallet_token_grant`);
   five wrong transaction codes end the offer.
3. The wallet proves possession of its key with a JWT (`openid4vci-proof+jwt`, audience the
   issuer, a fresh nonce of ours) and receives the credential issued for that key's DID
   (`wallet_credential_issue`): once per offer.

Errors are raised as WalletError with the spec's error codes; the views turn them into the
OAuth/OpenID4VCI error responses.
"""

import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import User
from portal.notify import learner_notify
from portal.origin import site_url
from portal.services import audit_record

from ..errors import CredentialNotAllowed
from ..models import Credential, CredentialStatus, WalletOffer
from ..vc.holder_keys import ALGORITHMS, HolderKeyError, proof_jwt_verify
from ..vc.loader import OB_V3_CONTEXT, VC_V2_CONTEXT
from .issuance import credential_for_holder

OFFER_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(minutes=10)
NONCE_LIFETIME_SECONDS = 300
# A proof's iat may be this far from the portal's clock (phones' clocks drift).
PROOF_CLOCK_SKEW_SECONDS = 300
TX_CODE_LENGTH = 6
TX_CODE_MAX_FAILURES = 5
# Offers a learner may ask for per credential in an hour: each sends a text or an e-mail.
OFFERS_PER_HOUR = 5
# Kept this long after they expire (a wallet retrying sees "expired", not "unknown").
PURGE_AFTER = timedelta(hours=1)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
PROOF_TYP = "openid4vci-proof+jwt"
_NONCE_SALT = "credentials.wallet.nonce"


class WalletError(Exception):
    """A refused OpenID4VCI request: `error` is the spec's code, `status` the HTTP status."""

    def __init__(self, error: str, description: str = "", *, status: int = 400) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status


# --- the issuer's identity and metadata ----------------------------------------------------------


def credential_issuer() -> str:
    """The Credential Issuer Identifier: the portal's origin (metadata at
    /.well-known/openid-credential-issuer), also the authorization server's issuer."""
    return site_url()


def _display(make) -> list[dict]:
    entries = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            entries.append({**make(), "locale": code})
    return entries


def issuer_metadata() -> dict:
    """Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2), one configuration: the
    Open Badges 3.0 credential as a W3C VC signed with a Data Integrity proof (format ldp_vc,
    Appendix A.1.2)."""
    programme = settings.PROGRAMME_NAME
    return {
        "credential_issuer": credential_issuer(),
        "credential_endpoint": site_url(reverse("wallet:credential")),
        "nonce_endpoint": site_url(reverse("wallet:nonce")),
        "display": _display(lambda: {"name": programme}),
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(ALGORITHMS)}
                },
                "credential_definition": {
                    "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
                    "type": CREDENTIAL_TYPE,
                },
                # Drafts up to 15 read the display here; 1.0 in credential_metadata.
                "display": _display(_credential_display),
                "credential_metadata": {"display": _display(_credential_display)},
            }
        },
    }


def _credential_display() -> dict:
    return {
        "name": _("Course completion credential"),
        "description": _("A course you completed, signed by %(programme)s: anyone can check it.")
        % {"programme": settings.PROGRAMME_NAME},
    }


def authorization_server_metadata() -> dict:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) for the pre-authorized code flow
    only: wallets need no client registration (anonymous access)."""
    return {
        "issuer": credential_issuer(),
        "token_endpoint": site_url(reverse("wallet:token")),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# --- hashing ------------------------------------------------------------------------------------


def _hash(value: str) -> str:
    """Codes and tokens are random and long: a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(value.encode()).hexdigest()


def _tx_code_hash(offer_code_hash: str, tx_code: str) -> str:
    """Six digits could be found from a plain hash by trying them all: keyed, and tied to the
    offer."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{offer_code_hash}:{tx_code}".encode(), hashlib.sha256).hexdigest()


# --- 1. the offer --------------------------------------------------------------------------------


def credential_offer(code: str) -> dict:
    """The Credential Offer (OpenID4VCI 1.0 section 4.1.1) for a pre-authorized code."""
    return {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_LENGTH,
                    "description": _("The code we sent you by SMS or e-mail")[:300],
                },
            }
        },
    }


def credential_offer_uri(code: str) -> str:
    """`openid-credential-offer://?credential_offer_uri=…`: by reference, so the QR code stays
    small enough for a cheap phone's camera (by value it is three times denser). The offer's
    address carries the pre-authorized code itself (nothing else to store); it answers only while
    the code is live, and the code alone is worth nothing without the transaction code."""
    address = site_url(reverse("wallet:offer", args=[code]))
    return "openid-credential-offer://?credential_offer_uri=" + quote(address, safe="")


def credential_offer_live(code: str) -> dict | None:
    """The offer for `code` while it can still be exchanged (unknown, used, expired: None)."""
    live = WalletOffer.objects.filter(
        code_hash=_hash(code),
        redeemed_at__isnull=True,
        expires_at__gt=timezone.now(),
        tx_code_failures__lt=TX_CODE_MAX_FAILURES,
    ).exists()
    return credential_offer(code) if live else None


@transaction.atomic
def wallet_offer_create(*, credential: Credential, acting_user: User) -> tuple[WalletOffer, str]:
    """A new offer of the learner's credential to a wallet; returns it with its offer URI (shown
    once). Earlier live offers of the credential end. The transaction code goes out on the
    learner's channel (after commit, through the outbox)."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.learner_id != acting_user.pk:
        raise CredentialNotAllowed(_("This is not your credential."), code="not_yours")
    if credential.status == CredentialStatus.REVOKED:
        raise CredentialNotAllowed(_("A revoked credential cannot be added to a wallet."))
    now = timezone.now()
    recent = WalletOffer.objects.filter(
        credential=credential, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= OFFERS_PER_HOUR:
        raise CredentialNotAllowed(
            _("You asked for several codes in the last hour. Please try again later."),
            code="too_many",
        )
    WalletOffer.objects.filter(
        credential=credential, expires_at__gt=now, redeemed_at__isnull=True
    ).update(expires_at=now)
    code = secrets.token_urlsafe(32)
    tx_code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"
    code_hash = _hash(code)
    offer = WalletOffer.objects.create(
        credential=credential,
        code_hash=code_hash,
        tx_code_hash=_tx_code_hash(code_hash, tx_code),
        expires_at=now + OFFER_LIFETIME,
    )
    channels = learner_notify(
        user=acting_user,
        kind="credential.wallet_code",
        key=f"wallet-offer:{offer.pk}",
        email_template="credentials/email/wallet_code",
        sms_template="credentials/sms/wallet_code.txt",
        context={
            "course": credential.course,
            "tx_code": tx_code,
            "minutes": int(OFFER_LIFETIME.total_seconds() // 60),
        },
    )
    if not channels:
        # No way to send the code: no offer (the transaction rolls back).
        raise CredentialNotAllowed(
            _(
                "We could not send you a code: add an e-mail address or a verified phone number "
                "to your account first."
            ),
            code="no_channel",
        )
    audit_record(
        actor=acting_user,
        action="credential.wallet_offered",
        target=credential,
        data={"offer": offer.pk, "channels": list(channels)},
    )
    return offer, credential_offer_uri(code)


# --- 2. the token endpoint -----------------------------------------------------------------------


def nonce_new() -> str:
    """A c_nonce: random, signed with a timestamp (no table), accepted NONCE_LIFETIME_SECONDS."""
    return signing.dumps(secrets.token_urlsafe(16), salt=_NONCE_SALT, compress=False)


def nonce_valid(nonce) -> bool:
    if not isinstance(nonce, str) or not nonce:
        return False
    try:
        signing.loads(nonce, salt=_NONCE_SALT, max_age=NONCE_LIFETIME_SECONDS)
    except signing.BadSignature:
        return False
    return True


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
    code_hash = _hash(code)
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
        if not hmac.compare_digest(offer.tx_code_hash, _tx_code_hash(code_hash, str(tx_code))):
            offer.tx_code_failures += 1
            offer.save(update_fields=["tx_code_failures"])
            # Raised after the block: the failure is counted although the request is refused.
            wrong = WalletError("invalid_grant", "wrong transaction code")
        else:
            wrong = None
            offer.redeemed_at = now
            offer.token_hash = _hash(token)
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


# --- 3. the credential endpoint ------------------------------------------------------------------


def _offer_for_token(authorization: str) -> WalletOffer:
    scheme, _space, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WalletError("invalid_token", "a Bearer access token is required", status=401)
    offer = (
        WalletOffer.objects.select_for_update(of=("self",))
        .select_related("credential__issuer_key", "credential__status_list", "credential__learner")
        .filter(token_hash=_hash(token.strip()))
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
    if set(definition.get("type") or []) != set(CREDENTIAL_TYPE):
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
    if not isinstance(issued, int | float) or isinstance(issued, bool):
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
        offer.holder_did_hash = _hash(holder_did)
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


# --- purge ---------------------------------------------------------------------------------------


def wallet_offers_purge(*, now=None) -> int:
    """Delete offers an hour after their code and token expired (hourly)."""
    cutoff = (now or timezone.now()) - PURGE_AFTER
    stale = WalletOffer.objects.filter(expires_at__lt=cutoff).exclude(token_expires_at__gte=cutoff)
    deleted, _rows = stale.delete()
    return deleted
