"""Issue 16's whole path in one test, on a live portal whose issuer is a did:web: a credential is
issued and meets the OB 3.0 requirements (and 1EdTech's schema, where the file is here); a
wallet played by the OpenWallet Foundation's client library (@openid4vc/openid4vci) receives it
over OpenID4VCI bound to its own key; Digital Bazaar's verifier accepts it, status included; the
issuer's key is rotated; another credential goes to the wallet under the new key; and both, with
the stored originals, still verify — against the DID document exactly as the portal serves it."""

import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from credentials.models import EnrolmentStatus, IssuerKey
from credentials.services import issuance
from credentials.vc import didweb

from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .test_ob3_schema import assert_meets_ob3_requirements, schema_validator
from .test_wallet_issuance import offer_from_page, phone_learner_credential, published_status_lists
from .vc_verifier import verify_credentials
from .wallet_client import wallet_receive


def another_credential(learner):
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(title="English for work", provider=ProviderFactory()),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=1),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    assert credential is not None
    return credential


def verification_method(document: dict) -> str:
    return document["proof"][0]["verificationMethod"]


def test_issue_check_receive_in_a_wallet_verify_rotate_issue_again_and_verify_both(
    transactional_db, live_server, settings, sms_outbox
):
    settings.SITE_URL = live_server.url
    host = live_server.url.split("://", 1)[1]
    did = "did:web:" + host.replace(":", "%3A")
    settings.CREDENTIAL_ISSUER_DID = did
    validator = schema_validator()

    def check_ob3(document: dict) -> None:
        assert_meets_ob3_requirements(document)
        if validator is not None:  # 1EdTech's file, where a developer has it
            assert not list(validator.iter_errors(document))

    def verify(*documents: dict):
        served = Client().get("/.well-known/did.json")
        assert served.status_code == 200
        return verify_credentials(
            list(documents),
            published_status_lists(),
            {didweb.did_web_document_url(did): served.json()},
        )

    # 1. Issued, and an OB 3.0 AchievementCredential.
    learner, first = phone_learner_credential()
    stored_first = json.loads(first.document)
    assert stored_first["issuer"]["id"] == did
    check_ob3(stored_first)

    # 2. Into the wallet over OpenID4VCI, bound to the wallet's key.
    uri, tx_code = offer_from_page(learner, first, sms_outbox)
    received = wallet_receive(uri, tx_code, alg="EdDSA", did="key")
    in_wallet_first = received["credential"]
    assert in_wallet_first["credentialSubject"]["id"] == received["holder"]
    check_ob3(in_wallet_first)
    assert verification_method(in_wallet_first) == f"{did}#key-1"

    # 3. Digital Bazaar's verifier: valid, not revoked.
    [check] = verify(in_wallet_first)
    assert check.verified and check.revoked is False, check.errors

    # 4. The issuer's key is rotated.
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert IssuerKey.objects.count() == 2

    # 5. Another credential, into the same wallet, under the new key.
    second = another_credential(learner)
    check_ob3(json.loads(second.document))
    uri, tx_code = offer_from_page(learner, second, sms_outbox)
    received_again = wallet_receive(uri, tx_code, alg="EdDSA", did="key")
    in_wallet_second = received_again["credential"]
    check_ob3(in_wallet_second)
    assert verification_method(in_wallet_second) == f"{did}#key-2"

    # 6. Both verify — the wallet's copies and the portal's own — with both keys in the DID
    # document.
    checks = verify(in_wallet_first, in_wallet_second, stored_first, json.loads(second.document))
    assert [(c.verified, c.revoked) for c in checks] == [(True, False)] * 4, [
        c.errors for c in checks
    ]
