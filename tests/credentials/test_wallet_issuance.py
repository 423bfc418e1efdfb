"""A credential into a wallet over OpenID4VCI, end to end: a live portal, the learner asking for
an offer on their credentials page, the transaction code arriving by SMS, and a wallet played by
the OpenWallet Foundation's client library (wallet-client/receive.mjs) receiving the credential
bound to its own key; then Digital Bazaar's verifier checks it, status included."""

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from credentials.models import CredentialStatus, EnrolmentStatus, StatusList, WalletOffer
from credentials.services import issuance, wallet
from portal.models import AuditEvent
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .vc_verifier import verify_credentials
from .wallet_client import wallet_receive

PHONE = "+962791234567"
OFFER_LINK = re.compile(r'href="(openid-credential-offer://\?credential_offer_uri=[^"]+)"')


def phone_learner_credential(name: str = "Farah Nasser"):
    """A learner who uses only a phone number, with one issued credential."""
    learner = LearnerFactory(phone=PHONE, phone_verified=True, email="x@no-email.invalid")
    LearnerProfileFactory(user=learner, display_name=name)
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(title="Introduction to programming", provider=ProviderFactory()),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=2),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    assert credential is not None
    return learner, credential


def offer_from_page(learner, credential, sms_outbox) -> tuple[str, str]:
    """The learner presses "Add to a wallet app": (the offer link on the page, the code texted)."""
    client = Client()
    client.force_login(learner)
    page = client.get("/learn/credentials/")
    assert f'action="/learn/credentials/{credential.pk}/wallet-offer/"' in page.content.decode()
    sms_outbox.clear()
    response = client.post(f"/learn/credentials/{credential.pk}/wallet-offer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html  # the QR code, drawn on the server
    assert response["Cache-Control"] == "no-store"
    uri = OFFER_LINK.search(html)[1].replace("&amp;", "&")
    assert len(sms_outbox) == 1 and sms_outbox[0][0] == PHONE
    tx_code = re.search(r"\b(\d{6})\b", sms_outbox[0][1])[1]
    return uri, tx_code


def published_status_lists() -> dict[str, dict]:
    return {
        issuance.status_list_url(status_list.number): json.loads(status_list.document)
        for status_list in StatusList.objects.all()
    }


@pytest.mark.parametrize(("alg", "did"), [("EdDSA", "key"), ("ES256", "key"), ("ES256", "jwk")])
def test_a_wallet_receives_the_credential_bound_to_its_key_and_it_verifies(
    transactional_db, live_server, settings, sms_outbox, alg, did
):
    settings.SITE_URL = live_server.url
    learner, credential = phone_learner_credential()
    uri, tx_code = offer_from_page(learner, credential, sms_outbox)
    offer_address = parse_qs(urlsplit(uri).query)["credential_offer_uri"][0]
    assert offer_address.startswith(f"{live_server.url}/oid4vci/offers/")
    offer = Client().get(urlsplit(offer_address).path).json()
    assert offer["credential_issuer"] == live_server.url
    assert offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "The code we sent you by SMS or e-mail",
    }
    # Only a hash of the code is stored.
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    stored = WalletOffer.objects.get()
    assert code not in stored.code_hash and tx_code not in stored.tx_code_hash

    received = wallet_receive(uri, tx_code, alg=alg, did=did)

    assert received["issuerVersion"] == "V1"
    document = received["credential"]
    assert document["credentialSubject"]["id"] == received["holder"]
    assert received["holder"].startswith(f"did:{did}:")
    assert document["credentialSubject"]["name"] == "Farah Nasser"
    assert document["id"] == json.loads(credential.document)["id"]
    assert document["credentialStatus"] == json.loads(credential.document)["credentialStatus"]
    stored.refresh_from_db()
    assert stored.issued_at is not None and stored.holder_did_hash
    assert AuditEvent.objects.filter(
        action="credential.wallet_issued", object_id=str(credential.pk)
    ).exists()

    [check] = verify_credentials([document], published_status_lists())
    assert check.verified, check.errors
    assert check.revoked is False

    # Revoking the credential revokes the wallet's copy too (same status entry).
    issuance.credential_revoke(
        credential=credential, reason="Issued in error", acting_user=ProgrammeAdminFactory()
    )
    assert credential.__class__.objects.get(pk=credential.pk).status == CredentialStatus.REVOKED
    [after] = verify_credentials([document], published_status_lists())
    assert after.revoked is True


def test_the_offer_cannot_be_used_twice_by_the_client(
    transactional_db, live_server, settings, sms_outbox
):
    settings.SITE_URL = live_server.url
    learner, credential = phone_learner_credential()
    uri, tx_code = offer_from_page(learner, credential, sms_outbox)
    wallet_receive(uri, tx_code)
    # The offer is gone once its code was used...
    with pytest.raises(pytest.fail.Exception, match="status '404'"):
        wallet_receive(uri, tx_code)
    # ...and a wallet that kept the code itself is refused at the token endpoint.
    offer_address = parse_qs(urlsplit(uri).query)["credential_offer_uri"][0]
    code = offer_address.rsplit("/", 1)[1]
    replay = Client().post(
        "/oid4vci/token",
        {
            "grant_type": wallet.PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": code,
            "tx_code": tx_code,
        },
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
