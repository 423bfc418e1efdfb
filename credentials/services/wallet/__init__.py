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

from .common import (
    CONFIGURATION_ID,
    CREDENTIAL_TYPE,
    NONCE_LIFETIME_SECONDS,
    OFFER_LIFETIME,
    OFFERS_PER_HOUR,
    PRE_AUTHORIZED_GRANT,
    PROOF_TYP,
    TOKEN_LIFETIME,
    TX_CODE_LENGTH,
    TX_CODE_MAX_FAILURES,
    WalletError,
    credential_issuer,
    nonce_new,
    nonce_valid,
)
from .endpoints import holder_from_proof, wallet_credential_issue, wallet_token_grant
from .metadata import authorization_server_metadata, issuer_metadata
from .offers import (
    credential_offer,
    credential_offer_live,
    credential_offer_uri,
    wallet_offer_create,
    wallet_offers_purge,
)

__all__ = [
    "CONFIGURATION_ID",
    "CREDENTIAL_TYPE",
    "NONCE_LIFETIME_SECONDS",
    "OFFERS_PER_HOUR",
    "OFFER_LIFETIME",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "TOKEN_LIFETIME",
    "TX_CODE_LENGTH",
    "TX_CODE_MAX_FAILURES",
    "WalletError",
    "authorization_server_metadata",
    "credential_issuer",
    "credential_offer",
    "credential_offer_live",
    "credential_offer_uri",
    "holder_from_proof",
    "issuer_metadata",
    "nonce_new",
    "nonce_valid",
    "wallet_credential_issue",
    "wallet_offer_create",
    "wallet_offers_purge",
    "wallet_token_grant",
]
