"""What the wallet's parts share: limits, identifiers, errors, hashes and nonces."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing

from portal.origin import site_url

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
NONCE_SALT = "credentials.wallet.nonce"


class WalletError(Exception):
    """A refused OpenID4VCI request: `error` is the spec's code, `status` the HTTP status."""

    def __init__(self, error: str, description: str = "", *, status: int = 400) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status


def credential_issuer() -> str:
    """The Credential Issuer Identifier: the portal's origin (metadata at
    /.well-known/openid-credential-issuer), also the authorization server's issuer."""
    return site_url()


# --- hashing ------------------------------------------------------------------------------------


def digest(value: str) -> str:
    """Codes and tokens are random and long: a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(value.encode()).hexdigest()


def tx_code_digest(offer_code_hash: str, tx_code: str) -> str:
    """Six digits could be found from a plain hash by trying them all: keyed, and tied to the
    offer."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{offer_code_hash}:{tx_code}".encode(), hashlib.sha256).hexdigest()


def nonce_new() -> str:
    """A c_nonce: random, signed with a timestamp (no table), accepted NONCE_LIFETIME_SECONDS."""
    return signing.dumps(secrets.token_urlsafe(16), salt=NONCE_SALT, compress=False)


def nonce_valid(nonce) -> bool:
    if not isinstance(nonce, str) or not nonce:
        return False
    try:
        signing.loads(nonce, salt=NONCE_SALT, max_age=NONCE_LIFETIME_SECONDS)
    except signing.BadSignature:
        return False
    return True
