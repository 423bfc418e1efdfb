"""The issuer's identity that lasts: did:web on the portal's domain, its DID document at
/.well-known/did.json listing every key ever used, key rotation and compromised keys
(`manage.py rotate_signing_key`), verified independently by Digital Bazaar's verifier, which is
handed the DID document the portal serves (it never reaches the network).
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from credentials.models import CredentialStatus, EnrolmentStatus, IssuerKey, StatusList
from credentials.services import issuance, signing_keys
from credentials.vc import didweb, proof, statuslist
from credentials.vc.keys import SigningKey, private_key_to_text
from portal.crypto import decrypt_text
from portal.models import AuditEvent
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory

from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .vc_verifier import verify_credentials

pytestmark = pytest.mark.django_db

SITE_URL = "https://learn.example.org"
DID = "did:web:learn.example.org"
DID_DOCUMENT_URL = "https://learn.example.org/.well-known/did.json"


@pytest.fixture
def on_the_domain(settings):
    settings.SITE_URL = SITE_URL
    settings.CREDENTIAL_ISSUER_DID = ""
    return settings


def issue(name: str = "Farah Nasser"):
    learner = LearnerFactory()
    LearnerProfileFactory(user=learner, display_name=name)
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(provider=ProviderFactory()),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=1),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    assert credential is not None
    return credential


def document_of(credential) -> dict:
    credential.refresh_from_db()
    return json.loads(credential.document)


def served_did_document() -> dict:
    response = Client().get("/.well-known/did.json")
    assert response.status_code == 200
    return response.json()


def published_status_lists() -> dict[str, dict]:
    return {
        issuance.status_list_url(status_list.number): json.loads(status_list.document)
        for status_list in StatusList.objects.all()
    }


def verify(*credentials):
    """Digital Bazaar's verdict on each credential, with the DID document and the status lists
    exactly as the portal serves them now."""
    return verify_credentials(
        [document_of(c) for c in credentials],
        published_status_lists(),
        {DID_DOCUMENT_URL: served_did_document()},
    )


def rotate() -> str:
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    return out.getvalue()


# --- did:web ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site_url", "did", "document_url"),
    [
        (SITE_URL, DID, DID_DOCUMENT_URL),
        (f"{SITE_URL}/", DID, DID_DOCUMENT_URL),
        ("https://Learn.Example.org:8443", "did:web:learn.example.org%3A8443",
         "https://learn.example.org:8443/.well-known/did.json"),
        ("https://example.org/learning/portal/", "did:web:example.org:learning:portal",
         "https://example.org/learning/portal/did.json"),
    ],
)  # fmt: skip
def test_did_web_follows_the_method_rules(site_url, did, document_url):
    assert didweb.did_web_for_url(site_url) == did
    assert didweb.did_web_document_url(did) == document_url
    assert didweb.did_web_document_url(f"{did}#key-2") == document_url


@pytest.mark.parametrize(
    ("site_url", "configured", "expected"),
    [
        (SITE_URL, "", DID),
        ("http://learn.example.org", "", ""),  # not https
        ("https://localhost:8443", "", ""),
        ("https://127.0.0.1", "", ""),
        ("https://portal.localhost", "", ""),
        ("http://127.0.0.1:8000", "", ""),  # `make run`, the demo
        (SITE_URL, "did:key", ""),  # forced
        ("http://127.0.0.1:8000", "did:web:programme.example", "did:web:programme.example"),
    ],
)
def test_the_issuer_is_did_web_only_where_the_portal_has_a_domain(
    settings, site_url, configured, expected
):
    settings.SITE_URL = site_url
    settings.CREDENTIAL_ISSUER_DID = configured

    assert signing_keys.issuer_did_web() == expected

    _record, key = signing_keys.signing_key_current()
    assert key.did == (expected or key.did_key)
    assert key.verification_method.startswith(f"{expected}#key-" if expected else "did:key:")


def test_a_malformed_issuer_did_setting_is_refused(settings):
    settings.CREDENTIAL_ISSUER_DID = "did:example:123"
    with pytest.raises(ImproperlyConfigured):
        signing_keys.issuer_did_web()
    from credentials import checks

    assert [e.id for e in checks.credential_issuer_did_check(None)] == ["credentials.E002"]


def test_the_did_document_lists_every_key_and_is_public_and_cacheable(on_the_domain):
    key_a = SigningKey.generate()
    on_the_domain.CREDENTIAL_SIGNING_KEY = private_key_to_text(key_a.private_key)
    issue()
    rotate()
    rotate()
    keys = list(IssuerKey.objects.order_by("created_at"))

    response = Client().get("/.well-known/did.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [
            {
                "id": f"{DID}#key-{n}",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": key.public_key_multibase,
            }
            for n, key in enumerate(keys, start=1)
        ],
        "assertionMethod": [f"{DID}#key-1", f"{DID}#key-2", f"{DID}#key-3"],
    }
    # The configured key was taken in as key-1; nothing private is published.
    assert keys[0].did == key_a.did_key and keys[0].key_id == "key-1"
    assert "private" not in response.content.decode().lower()
    # The same document where did:web puts it when the portal lives under a path.
    assert Client().get("/did.json").json() == document


def test_without_a_domain_there_is_no_did_document(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.CREDENTIAL_ISSUER_DID = ""

    assert Client().get("/.well-known/did.json").status_code == 404
    credential = issue()
    assert document_of(credential)["issuer"]["id"].startswith("did:key:")


# --- rotation and compromise, verified independently -------------------------------------------


def test_rotation_and_a_compromised_key_as_digital_bazaar_s_verifier_sees_them(on_the_domain):
    on_the_domain.CREDENTIAL_SIGNING_KEY = private_key_to_text(SigningKey.generate().private_key)
    early = issue("Farah Nasser")
    compromised_since = timezone.now()
    late = issue("Omar Haddad")
    output = rotate()
    after_rotation = issue("Ірина Коваленко")

    # Both keys verify: the DID document lists both, and key-1 may still be trusted.
    assert "key-2 is now the current signing key (key-1 retired" in output
    methods = [proof.proof_of(document_of(c))["verificationMethod"] for c in (early, late)]
    assert methods == [f"{DID}#key-1", f"{DID}#key-1"]
    assert proof.proof_of(document_of(after_rotation))["verificationMethod"] == f"{DID}#key-2"
    assert {document_of(c)["issuer"]["id"] for c in (early, late, after_rotation)} == {DID}
    results = verify(early, late, after_rotation)
    assert [(r.verified, r.revoked) for r in results] == [(True, False)] * 3, [
        r.errors for r in results
    ]

    out = StringIO()
    call_command(
        "rotate_signing_key",
        "--compromised",
        "key-1",
        "--since",
        compromised_since.isoformat(),
        stdout=out,
    )

    assert "1 credential(s) it signed since then revoked" in out.getvalue()
    for credential in (early, late, after_rotation):
        credential.refresh_from_db()
    assert [c.status for c in (early, late, after_rotation)] == [
        CredentialStatus.ISSUED,
        CredentialStatus.REVOKED,
        CredentialStatus.ISSUED,
    ]
    assert late.revocation_reason == "The issuer's signing key key-1 was compromised."
    # Every status list now rests on the current key, not on the compromised one.
    for status_list in published_status_lists().values():
        assert proof.proof_of(status_list)["verificationMethod"] == f"{DID}#key-2"
        assert status_list["issuer"] == DID
    document = served_did_document()
    assert [m["id"] for m in document["verificationMethod"]] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]
    results = verify(early, late, after_rotation)
    assert (results[0].verified, results[0].revoked) == (True, False), results[0].errors
    assert (results[1].verified, results[1].revoked) == (False, True)
    assert (results[2].verified, results[2].revoked) == (True, False), results[2].errors
    assert [issuance.credential_check(c).state for c in (early, late, after_rotation)] == [
        "valid",
        "revoked",
        "valid",
    ]

    # Compromised from its first day: everything it signed is revoked, and the DID document no
    # longer lets it assert anything (it is still listed: every key ever used is).
    key_1 = IssuerKey.objects.get(key_id="key-1")
    call_command(
        "rotate_signing_key",
        "--compromised",
        "key-1",
        "--since",
        (key_1.created_at - timedelta(seconds=1)).isoformat(),
        stdout=StringIO(),
    )

    document = served_did_document()
    assert [m["id"] for m in document["verificationMethod"]] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["assertionMethod"] == [f"{DID}#key-2"]
    results = verify(early, after_rotation)
    assert results[0].verified is False
    assert any("not authorized" in e for e in results[0].errors), results[0].errors
    assert (results[1].verified, results[1].revoked) == (True, False), results[1].errors
    early.refresh_from_db()
    assert early.status == CredentialStatus.REVOKED


def test_did_key_credentials_keep_verifying_after_the_issuer_moves_to_did_web(on_the_domain):
    on_the_domain.CREDENTIAL_ISSUER_DID = "did:key"  # as every credential was before did:web
    before = issue("Farah Nasser")
    on_the_domain.CREDENTIAL_ISSUER_DID = ""
    after = issue("Omar Haddad")

    assert document_of(before)["issuer"]["id"].startswith("did:key:")
    assert document_of(after)["issuer"]["id"] == DID
    # One key, two identities: the did:key credential is on a list of its own (a verifier
    # requires a list's issuer to be the credential's).
    assert before.status_list_id != after.status_list_id
    results = verify(before, after)
    assert [(r.verified, r.revoked) for r in results] == [(True, False)] * 2, [
        r.errors for r in results
    ]
    assert [issuance.credential_check(c).state for c in (before, after)] == ["valid", "valid"]


# --- the command --------------------------------------------------------------------------------


def test_rotation_keeps_every_key_encrypted_and_audits_it(on_the_domain):
    first, _key = signing_keys.signing_key_current()

    rotate()

    first.refresh_from_db()
    current, key = signing_keys.signing_key_current()
    assert first.retired_at is not None and first.compromised_since is None
    assert current.key_id == "key-2" and current.retired_at is None
    assert key.verification_method == f"{DID}#key-2"
    assert decrypt_text(current.private_key_encrypted) == private_key_to_text(key.private_key)
    assert IssuerKey.objects.filter(retired_at__isnull=True).count() == 1
    events = list(AuditEvent.objects.filter(action__startswith="credential_key.").order_by("pk"))
    assert [(e.action, e.data["key_id"]) for e in events] == [
        ("credential_key.created", "key-1"),
        ("credential_key.rotated", "key-2"),
    ]
    assert events[1].data["previous_key_id"] == "key-1"


def test_a_configured_key_already_in_the_table_does_not_come_back_after_a_rotation(settings):
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(SigningKey.generate().private_key)
    first, _key = signing_keys.signing_key_current()

    rotate()

    current, _key = signing_keys.signing_key_current()
    assert current.key_id == "key-2" and current.pk != first.pk


def test_marking_the_current_key_compromised_rotates_first(on_the_domain):
    credential = issue()
    since = (timezone.now() - timedelta(days=1)).isoformat()

    out = StringIO()
    call_command("rotate_signing_key", "--compromised", "key-1", "--since", since, stdout=out)

    assert "key-1 was current: key-2 is now current." in out.getvalue()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    published = json.loads(credential.status_list.document)
    assert statuslist.is_set(published["credentialSubject"]["encodedList"], credential.status_index)
    assert AuditEvent.objects.filter(
        action="credential_key.compromised", data__key_id="key-1"
    ).exists()
    assert AuditEvent.objects.filter(
        action="credential.revoked", object_id=str(credential.pk), data__cause="key_compromised"
    ).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-01-01T00:00:00Z"], "--since goes with --compromised"),
        (["--compromised", "key-1"], "Say since when"),
        (["--compromised", "key-1", "--since", "yesterday"], "not an ISO 8601 time"),
        (["--compromised", "key-9", "--since", "2026-01-01T00:00:00Z"], "no signing key key-9"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(on_the_domain, args, message):
    signing_keys.signing_key_current()
    with pytest.raises(CommandError, match=message):
        call_command("rotate_signing_key", *args, stdout=StringIO())
    assert IssuerKey.objects.count() == 1
    assert IssuerKey.objects.get().compromised_since is None
