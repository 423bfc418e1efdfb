"""A credential into the learner's wallet app over OpenID4VCI (decision 0026).

- `wallet_offer` (learners, POST from their credentials page): makes an offer and shows its QR
  code and `openid-credential-offer://` link once; the transaction code goes by SMS or e-mail.
- The wallet's endpoints, public and called by wallet apps (no session, so no CSRF token: CSRF
  protects cookie-authenticated requests, and these carry a code or a Bearer token): the issuer
  and authorization-server metadata, the token, nonce and credential endpoints.
"""

import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from ..errors import CredentialNotAllowed
from ..selectors import credential_get_for_learner_or_404
from ..services import wallet
from .learner_credentials import _learner_only


def _no_store(response: HttpResponse) -> HttpResponse:
    # Codes, tokens and nonces must never be cached (RFC 6749 section 5.1).
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(error: wallet.WalletError) -> JsonResponse:
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    response = JsonResponse(body, status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return _no_store(response)


def _public_json(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the learner's offer ----------------------------------------------------------------------


def _qr_svg_inline(uri: str) -> str:
    qr = segno.make(uri, error="l", micro=False)
    return qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)


@require_POST
@_learner_only
def wallet_offer(request: HttpRequest, pk: int) -> HttpResponse:
    credential = credential_get_for_learner_or_404(request.user, pk)
    try:
        offer, uri = wallet.wallet_offer_create(credential=credential, acting_user=request.user)
    except CredentialNotAllowed as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learner_credentials:list")
    response = render(
        request,
        "credentials/learner/wallet_offer.html",
        {
            "credential": credential,
            "offer_uri": uri,
            "qr_svg": mark_safe(_qr_svg_inline(uri)),  # noqa: S308 (segno's own SVG, no input markup)
            "minutes": int(wallet.OFFER_LIFETIME.total_seconds() // 60),
            "expires_at": offer.expires_at,
        },
    )
    return _no_store(response)


# --- the wallet's endpoints -------------------------------------------------------------------


@login_not_required
@require_safe
def issuer_metadata(request: HttpRequest) -> HttpResponse:
    return _public_json(wallet.issuer_metadata())


@login_not_required
@require_safe
def authorization_server_metadata(request: HttpRequest) -> HttpResponse:
    return _public_json(wallet.authorization_server_metadata())


@login_not_required
@require_safe
def offer(request: HttpRequest, code: str) -> HttpResponse:
    """The Credential Offer by reference (credential_offer_uri), while its code is live."""
    data = wallet.credential_offer_live(code)
    if data is None:
        return _no_store(JsonResponse({"error": "not_found"}, status=404))
    response = _no_store(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
@login_not_required
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Form-encoded, as RFC 6749 says."""
    try:
        answer = wallet.wallet_token_grant(params=request.POST.dict())
    except wallet.WalletError as error:
        return _error(error)
    return _no_store(JsonResponse(answer))


@csrf_exempt
@login_not_required
@require_POST
def nonce(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"c_nonce": wallet.nonce_new()}))


@csrf_exempt
@login_not_required
@require_POST
def credential(request: HttpRequest) -> HttpResponse:
    try:
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise wallet.WalletError("invalid_credential_request", "the body is not JSON") from None
        answer = wallet.wallet_credential_issue(
            authorization=request.headers.get("Authorization", ""), body=body
        )
    except wallet.WalletError as error:
        return _error(error)
    return _no_store(JsonResponse(answer, json_dumps_params={"ensure_ascii": False}))
