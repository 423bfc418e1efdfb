"""OpenID4VCI (docs/decisions/0026-wallet-issuance.md): the issuer's metadata at the well-known
addresses of the portal's origin, and the endpoints wallet apps call. Public (wallets have no
session)."""

from django.urls import path

from .views import wallet

app_name = "wallet"

urlpatterns = [
    path(
        ".well-known/openid-credential-issuer",
        wallet.issuer_metadata,
        name="issuer_metadata",
    ),
    path(
        ".well-known/oauth-authorization-server",
        wallet.authorization_server_metadata,
        name="authorization_server_metadata",
    ),
    path("oid4vci/offers/<str:code>", wallet.offer, name="offer"),
    path("oid4vci/token", wallet.token, name="token"),
    path("oid4vci/nonce", wallet.nonce, name="nonce"),
    path("oid4vci/credential", wallet.credential, name="credential"),
]
