"""Every refusal of the OpenID4VCI endpoints, with the spec's error codes (OpenID4VCI 1.0:
token errors from RFC 6749 section 5.2 and section 6.3, credential errors from section 8.3.1.2),
and the learner's side of the offer."""

import base64
import json
import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from credentials.models import CredentialStatus, IssuerKey, WalletOffer
from credentials.services import issuance, wallet
from credentials.vc import multibase
from portal.models import AuditEvent, OutboxMessage
from portal.outbox import outbox_content, outbox_recipient
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

from .test_wallet_issuance import PHONE, phone_learner_credential

pytestmark = pytest.mark.django_db
GRANT = wallet.PRE_AUTHORIZED_GRANT
ISSUER = "https://learn.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = ISSUER


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Holder:
    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        mb = multibase.base58btc(multibase.ED25519_PUB + raw)
        self.did = f"did:key:{mb}"
        self.kid = f"{self.did}#{mb}"

    def proof(self, *, nonce="fresh", aud=ISSUER, iat=None, typ=wallet.PROOF_TYP, key=None):
        header = {"alg": "EdDSA", "typ": typ, "kid": self.kid}
        payload = {"aud": aud, "iat": int(time.time()) if iat is None else iat}
        if nonce == "fresh":
            payload["nonce"] = wallet.nonce_new()
        elif nonce is not None:
            payload["nonce"] = nonce
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        )
        signature = (key or self.key).sign(signing_input.encode())
        return f"{signing_input}.{b64url(signature)}"


def texts_with_codes() -> list[tuple[str, str]]:
    """The wallet-code texts in the outbox (written in the offer's transaction), as
    (number, text)."""
    return [
        (outbox_recipient(message), outbox_content(message)["message"])
        for message in OutboxMessage.objects.filter(
            kind="credential.wallet_code", channel="sms"
        ).order_by("pk")
    ]


def make_offer():
    learner, credential = phone_learner_credential()
    _offer, uri = wallet.wallet_offer_create(credential=credential, acting_user=learner)
    offer_address = parse_qs(urlsplit(uri).query)["credential_offer_uri"][0]
    offer = Client().get(urlsplit(offer_address).path).json()
    code = offer["grants"][GRANT]["pre-authorized_code"]
    assert offer_address.endswith(f"/oid4vci/offers/{code}")
    [(_to, text)] = texts_with_codes()
    tx_code = re.search(r"\b(\d{6})\b", text)[1]
    return learner, credential, code, tx_code


def token(client, **params):
    return client.post("/oid4vci/token", params)


def credential_request(client, access_token, body):
    return client.post(
        "/oid4vci/credential",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )


@pytest.fixture
def offered():
    return make_offer()


@pytest.fixture
def access_token(offered):
    _learner, _credential, code, tx_code = offered
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.json()["access_token"]


# --- metadata ------------------------------------------------------------------------------------


def test_issuer_metadata_names_the_endpoints_and_the_ob3_ldp_vc_configuration():
    data = Client().get("/.well-known/openid-credential-issuer").json()
    assert data["credential_issuer"] == ISSUER
    assert data["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert data["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    configuration = data["credential_configurations_supported"][wallet.CONFIGURATION_ID]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    locales = {entry["locale"] for entry in configuration["credential_metadata"]["display"]}
    assert locales == {"en", "ar", "fa", "fr", "es", "uk"}
    server = Client().get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == ISSUER
    assert server["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


# --- the token endpoint ---------------------------------------------------------------------------


def test_a_used_code_is_refused_as_invalid_grant(offered, access_token):
    _learner, _credential, code, tx_code = offered
    # Its offer is gone too.
    assert Client().get(f"/oid4vci/offers/{code}").status_code == 404
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused_as_invalid_grant(offered):
    _learner, _credential, code, tx_code = offered
    WalletOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/oid4vci/offers/{code}").status_code == 404
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert response.json()["error"] == "invalid_grant"


def test_an_unknown_code_is_refused_as_invalid_grant(offered):
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": "nope"}, tx_code="1")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_wrong_tx_code_is_invalid_grant_and_five_end_the_offer(offered):
    _learner, _credential, code, tx_code = offered
    wrong = f"{(int(tx_code) + 1) % 10**6:06d}"
    for _ in range(wallet.TX_CODE_MAX_FAILURES):
        response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=wrong)
        assert response.json()["error"] == "invalid_grant"
    assert WalletOffer.objects.get().tx_code_failures == wallet.TX_CODE_MAX_FAILURES
    # Now even the right code is refused.
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "too many wrong transaction codes",
    }


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": GRANT}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": "CODE"}, "invalid_request"),
    ],
)
def test_malformed_token_requests_are_refused(offered, params, error):
    _learner, _credential, code, _tx_code = offered
    params = {k: code if v == "CODE" else v for k, v in params.items()}
    response = token(Client(), **params)
    assert response.status_code == 400 and response.json()["error"] == error


def test_token_endpoint_answers_only_post():
    assert Client().get("/oid4vci/token").status_code == 405


# --- the credential endpoint --------------------------------------------------------------------


def body(jwt):
    return {"credential_configuration_id": wallet.CONFIGURATION_ID, "proofs": {"jwt": [jwt]}}


def test_the_credential_is_issued_once_for_the_proving_holder(access_token):
    holder = Holder()
    response = credential_request(Client(), access_token, body(holder.proof()))
    assert response.status_code == 200
    document = response.json()["credentials"][0]["credential"]
    assert document["credentialSubject"]["id"] == holder.did
    assert AuditEvent.objects.filter(action="credential.wallet_issued").count() == 1
    # The access token is single-use.
    again = credential_request(Client(), access_token, body(holder.proof()))
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in again["WWW-Authenticate"]


def test_a_draft_13_style_request_with_proof_gets_the_credential_too(access_token):
    holder = Holder()
    response = credential_request(
        Client(),
        access_token,
        {
            "format": "ldp_vc",
            "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "proof": {"proof_type": "jwt", "jwt": holder.proof()},
        },
    )
    assert response.status_code == 200
    assert response.json()["credential"]["credentialSubject"]["id"] == holder.did


def test_no_or_unknown_token_is_invalid_token(access_token):
    holder = Holder()
    for authorization in ("", "Bearer wrong", f"Basic {access_token}"):
        response = Client().post(
            "/oid4vci/credential",
            json.dumps(body(holder.proof())),
            content_type="application/json",
            HTTP_AUTHORIZATION=authorization,
        )
        assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_an_expired_token_is_invalid_token(access_token):
    WalletOffer.objects.update(token_expires_at=timezone.now() - timedelta(seconds=1))
    response = credential_request(Client(), access_token, body(Holder().proof()))
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def _other_key_signature(holder):
    return holder.proof(key=Ed25519PrivateKey.generate())


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda h: h.proof(nonce="not-our-nonce"), "invalid_nonce"),
        (lambda h: h.proof(nonce=None), "invalid_proof"),
        (lambda h: h.proof(aud="https://evil.example.org"), "invalid_proof"),
        (lambda h: h.proof(iat=int(time.time()) - 3600), "invalid_proof"),
        (lambda h: h.proof(iat=float("nan")), "invalid_proof"),
        (lambda h: h.proof(typ="JWT"), "invalid_proof"),
        (_other_key_signature, "invalid_proof"),
        (lambda h: "not.a.jwt", "invalid_proof"),
    ],
    ids=[
        "wrong-nonce",
        "no-nonce",
        "bad-audience",
        "old-iat",
        "nan-iat",
        "wrong-typ",
        "wrong-key",
        "garbage",
    ],
)
def test_a_wrong_proof_is_refused(access_token, make, error):
    response = credential_request(Client(), access_token, body(make(Holder())))
    assert response.status_code == 400 and response.json()["error"] == error
    # Nothing was issued, and the token still works with a good proof.
    assert WalletOffer.objects.get().issued_at is None
    assert credential_request(Client(), access_token, body(Holder().proof())).status_code == 200


def test_an_expired_nonce_is_invalid_nonce(access_token, monkeypatch):
    stale = wallet.nonce_new()
    monkeypatch.setattr(wallet.common, "NONCE_LIFETIME_SECONDS", -1)
    response = credential_request(Client(), access_token, body(Holder().proof(nonce=stale)))
    assert response.json()["error"] == "invalid_nonce"


@pytest.mark.parametrize(
    ("request_body", "error"),
    [
        ({"credential_configuration_id": wallet.CONFIGURATION_ID}, "invalid_proof"),
        (
            {"credential_configuration_id": "Other", "proofs": {"jwt": ["x"]}},
            "unknown_credential_configuration",
        ),
        ({"proofs": {"jwt": ["x"]}}, "invalid_credential_request"),
        ([], "invalid_credential_request"),
        (
            {
                "format": "ldp_vc",
                "credential_definition": {"type": [{}]},
                "proofs": {"jwt": ["x"]},
            },
            "invalid_credential_request",
        ),
    ],
    ids=[
        "missing-proof",
        "unknown-configuration",
        "no-configuration",
        "not-an-object",
        "type-not-strings",
    ],
)
def test_malformed_credential_requests_are_refused(access_token, request_body, error):
    response = credential_request(Client(), access_token, request_body)
    assert response.status_code == 400 and response.json()["error"] == error


def test_two_proofs_are_refused_no_batch_issuance(access_token):
    holder = Holder()
    request = {
        "credential_configuration_id": wallet.CONFIGURATION_ID,
        "proofs": {"jwt": [holder.proof(), holder.proof()]},
    }
    assert credential_request(Client(), access_token, request).json()["error"] == "invalid_proof"


def test_a_credential_revoked_after_the_offer_is_denied(offered, access_token):
    _learner, credential, _code, _tx = offered
    issuance.credential_revoke(
        credential=credential, reason="Error", acting_user=ProgrammeAdminFactory()
    )
    response = credential_request(Client(), access_token, body(Holder().proof()))
    assert response.json()["error"] == "credential_request_denied"


# --- the learner's side -------------------------------------------------------------------------


def test_the_offer_is_made_by_post_only_and_only_for_the_owner():
    learner, credential = phone_learner_credential()
    client = Client()
    client.force_login(learner)
    assert client.get(f"/learn/credentials/{credential.pk}/wallet-offer/").status_code == 405
    assert not WalletOffer.objects.exists()
    other = Client()
    other.force_login(LearnerFactory())
    assert other.post(f"/learn/credentials/{credential.pk}/wallet-offer/").status_code == 404
    assert not WalletOffer.objects.exists() and not texts_with_codes()


def test_a_new_offer_ends_the_previous_one_and_offers_are_limited_per_hour():
    learner, credential = phone_learner_credential()
    client = Client()
    client.force_login(learner)
    for _ in range(wallet.OFFERS_PER_HOUR):
        assert client.post(f"/learn/credentials/{credential.pk}/wallet-offer/").status_code == 200
    live = WalletOffer.objects.filter(expires_at__gt=timezone.now())
    assert live.count() == 1
    texts = texts_with_codes()
    assert len(texts) == wallet.OFFERS_PER_HOUR
    assert all(to == PHONE for to, _text in texts)
    response = client.post(f"/learn/credentials/{credential.pk}/wallet-offer/", follow=True)
    assert "several codes in the last hour" in response.content.decode()
    assert len(texts_with_codes()) == wallet.OFFERS_PER_HOUR


def test_a_revoked_credential_has_no_wallet_button_and_no_offer():
    learner, credential = phone_learner_credential()
    issuance.credential_revoke(
        credential=credential, reason="Error", acting_user=ProgrammeAdminFactory()
    )
    client = Client()
    client.force_login(learner)
    assert "wallet-offer" not in client.get("/learn/credentials/").content.decode()
    response = client.post(f"/learn/credentials/{credential.pk}/wallet-offer/", follow=True)
    assert "cannot be added to a wallet" in response.content.decode()
    assert not WalletOffer.objects.exists() and not texts_with_codes()


def test_the_code_goes_by_email_to_an_email_learner(django_capture_on_commit_callbacks, mailoutbox):
    from credentials.models import EnrolmentStatus
    from tests.credentials.factories import CourseFactory, EnrolmentFactory

    learner = LearnerFactory(email="amal@example.org")
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=1),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wallet.wallet_offer_create(credential=credential, acting_user=learner)
    [message] = [m for m in mailoutbox if "wallet app" in m.subject]
    assert message.to == ["amal@example.org"]
    assert any(word.isdigit() and len(word) == 6 for word in message.body.split())


def test_expired_offers_are_purged(offered):
    assert wallet.wallet_offers_purge() == 0
    WalletOffer.objects.update(expires_at=timezone.now() - timedelta(hours=2))
    assert wallet.wallet_offers_purge() == 1
    assert not WalletOffer.objects.exists()


def test_a_learner_erased_after_the_token_gets_credential_request_denied(offered, access_token):
    learner, _credential, _code, _tx = offered
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    response = credential_request(Client(), access_token, body(Holder().proof()))
    assert response.json()["error"] == "credential_request_denied"


@pytest.mark.django_db(transaction=True)
def test_concurrent_token_requests_with_one_code_get_one_token():
    from .conftest import run_in_threads

    _learner, _credential, code, tx_code = make_offer()

    def exchange(_i):
        return token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)

    responses = run_in_threads(5, exchange)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400, 400, 400, 400]
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}
    assert WalletOffer.objects.get().token_hash is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_codes_are_counted_without_loss_up_to_five():
    from .conftest import run_in_threads

    _learner, _credential, code, tx_code = make_offer()
    wrong = f"{(int(tx_code) + 1) % 10**6:06d}"

    def guess(_i):
        return token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=wrong)

    run_in_threads(8, guess)
    # Guesses are counted under a row lock (none lost to a race) until the fifth kills the code.
    assert WalletOffer.objects.get().tx_code_failures == wallet.TX_CODE_MAX_FAILURES
    response = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_offer_page_with_its_qr_code_fits_the_repeat_visit_budget(language):
    """Its styles are the credentials page's (weighed in tests/portal/test_page_weight.py): what
    is new is the HTML with the QR code drawn in it, sent compressed."""
    import gzip

    learner, credential = phone_learner_credential()
    client = Client()
    client.force_login(learner)
    client.cookies["django_language"] = language
    response = client.post(
        f"/learn/credentials/{credential.pk}/wallet-offer/", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert response.get("Content-Encoding") == "gzip"
    assert len(response.content) < 15 * 1024
    assert "<svg" in gzip.decompress(response.content).decode()


def test_a_did_key_marked_compromised_signs_no_more_wallet_copies(settings):
    """Under did:key a wallet's copy is signed by the key of the credential's status list; once
    that key is marked compromised, it signs nothing new, even for a credential issued before
    the compromise (and so not revoked)."""
    settings.CREDENTIAL_ISSUER_DID = "did:key"
    _learner, credential, code, tx_code = make_offer()
    key_id = IssuerKey.objects.get(did=credential.issuer_key.did).key_id
    access = token(Client(), grant_type=GRANT, **{"pre-authorized_code": code}, tx_code=tx_code)
    assert access.status_code == 200
    since = (timezone.now() + timedelta(minutes=1)).isoformat()
    call_command("rotate_signing_key", "--compromised", key_id, "--since", since, stdout=StringIO())
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED  # signed before `since`: not revoked

    response = credential_request(Client(), access.json()["access_token"], body(Holder().proof()))

    assert response.status_code == 400
    assert response.json()["error"] == "credential_request_denied"
