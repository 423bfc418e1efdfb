"""The independent check: credentials issued by the portal, verified by Digital Bazaar's verifier
(@digitalbazaar/vc, eddsa-rdfc-2022, safe-mode JSON-LD) in node, offline.

Each test gathers its cases and runs node once.
"""

import copy
import importlib.util
import json
from datetime import timedelta

import pyld.nquads
import pytest
from django.utils import timezone

from credentials.models import CredentialStatus, EnrolmentStatus, IssuerKey, StatusList
from credentials.services import issuance
from credentials.vc import multibase, proof
from credentials.vc.keys import SigningKey, private_key_to_text
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .vc_verifier import NETWORK_BLOCKED, verify_credentials

pytestmark = pytest.mark.django_db

CONTROL_NAME = "Ana\bMaría\x01\x7f\f\t\nLópez"
UNKNOWN_CONTEXT = "https://contexts.example.org/unknown/v1.jsonld"


def completed_enrolment(
    name: str = "Farah Nasser", *, course: str = "Introduction to programming", provider="Open U"
):
    learner = LearnerFactory()
    LearnerProfileFactory(user=learner, display_name=name)
    return EnrolmentFactory(
        learner=learner,
        course=CourseFactory(title=course, provider=ProviderFactory(name=provider)),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=2),
    )


def issue(name: str = "Farah Nasser", **kwargs):
    credential = issuance.credential_issue(enrolment_id=completed_enrolment(name, **kwargs).pk)
    assert credential is not None
    return credential


def document_of(credential) -> dict:
    return json.loads(credential.document)


def published_status_lists() -> dict[str, dict]:
    """What /verify/status-lists/<n>/ serves, by URL."""
    return {
        issuance.status_list_url(status_list.number): json.loads(status_list.document)
        for status_list in StatusList.objects.all()
    }


def resigned(document: dict, key: SigningKey, *, verification_method: str | None = None) -> dict:
    """The document signed by `key` without our term check (as a forger, or a buggy issuer,
    would), naming `verification_method` (by default the key's own) in the proof."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.proof_of(document).items() if k != "proofValue"}
    options["verificationMethod"] = verification_method or key.verification_method
    signature = key.sign(proof._hash_data(unsigned, options))
    return {**unsigned, "proof": [{**options, "proofValue": multibase.base58btc(signature)}]}


def pyld_escape_as_published():
    """PyLD's own N-Quads escape function, loaded afresh from its source (ours replaced it)."""
    spec = importlib.util.spec_from_file_location("pyld_nquads_as_published", pyld.nquads.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.escape


def test_issued_credential_verifies_and_every_tampering_fails():
    credential = issue("Farah Nasser", course="Python for Everyone", provider="Open Courses")
    valid = document_of(credential)
    _record, our_key = issuance.signing_key_current()
    other_key = SigningKey.generate()

    def tampered(change) -> dict:
        document = copy.deepcopy(valid)
        change(document)
        return document

    cases = {
        "valid": valid,
        "subject name": tampered(lambda d: d["credentialSubject"].update(name="Someone Else")),
        "course name": tampered(
            lambda d: d["credentialSubject"]["achievement"].update(name="Brain Surgery")
        ),
        "validFrom": tampered(lambda d: d.update(validFrom="2020-01-01T00:00:00Z")),
        "issuer name": tampered(lambda d: d["issuer"].update(name="Another Programme")),
        "signed by another key, naming ours": resigned(
            valid, other_key, verification_method=our_key.verification_method
        ),
        "verification method swapped to another did:key": tampered(
            lambda d: d["proof"][0].update(verificationMethod=other_key.verification_method)
        ),
        "re-signed by another did:key": resigned(valid, other_key),
        "unknown property signed by us": resigned(
            tampered(lambda d: d["credentialSubject"].update(nationality="SY")), our_key
        ),
        "unknown remote context": tampered(lambda d: d["@context"].append(UNKNOWN_CONTEXT)),
    }

    verified = verify_credentials(list(cases.values()), published_status_lists())
    results = dict(zip(cases, verified, strict=True))

    assert results["valid"].verified is True, results["valid"].errors
    assert results["valid"].revoked is False
    assert results["valid"].errors == []
    expected_error = {
        "subject name": "Invalid signature.",
        "course name": "Invalid signature.",
        "validFrom": "Invalid signature.",
        "issuer name": "Invalid signature.",
        "signed by another key, naming ours": "Invalid signature.",
        "verification method swapped to another did:key": "Invalid signature.",
        "re-signed by another did:key": "issuer must match the verification method controller",
        "unknown property signed by us": "Safe mode validation error.",
        "unknown remote context": UNKNOWN_CONTEXT,
    }
    assert set(expected_error) == set(cases) - {"valid"}
    for case, error in expected_error.items():
        assert results[case].verified is False, case
        assert any(error in message for message in results[case].errors), (case, results[case])
    unknown_context_errors = " ".join(results["unknown remote context"].errors)
    assert NETWORK_BLOCKED not in unknown_context_errors  # refused by the loader, never fetched
    # Our own check agrees: only the untouched credential is valid.
    assert proof.verify(valid)
    for case, document in cases.items():
        if case not in ("valid", "unknown remote context"):
            assert proof.verify(document) is False, case


def test_names_in_any_script_and_with_control_characters_verify(monkeypatch):
    names = ["سارة أحمد", "مریم رضایی", "Ірина Коваленко", CONTROL_NAME, 'Zoë "Z" \\ 😀']
    credentials = [issue(name) for name in names]
    # The same control-character name signed with PyLD's escaping as published.
    with monkeypatch.context() as patch:
        patch.setattr(pyld.nquads, "escape", pyld_escape_as_published())
        unpatched = issue(CONTROL_NAME)

    results = verify_credentials(
        [document_of(c) for c in [*credentials, unpatched]], published_status_lists()
    )

    for name, credential, result in zip(names, credentials, results[:-1], strict=True):
        assert result.verified is True, (name, result.errors)
        assert document_of(credential)["credentialSubject"]["name"] == name
        check = issuance.credential_check(credential)
        assert (check.state, check.subject_name) == ("valid", name)
    # Without the fix, Digital Bazaar's verifier (and our own check) reject that credential.
    assert results[-1].verified is False
    assert issuance.credential_check(unpatched).state == "invalid"


def test_revoked_credential_is_reported_revoked_by_its_status_list():
    revoked = issue("Farah Nasser")
    kept = issue("Omar Haddad")
    assert revoked.status_list_id == kept.status_list_id
    issuance.credential_revoke(
        credential=revoked, reason="Issued by mistake", acting_user=ProgrammeAdminFactory()
    )
    revoked.refresh_from_db()
    status_lists = published_status_lists()
    (status_list,) = status_lists.values()

    results = verify_credentials(
        [document_of(revoked), document_of(kept), status_list], status_lists
    )

    assert revoked.status == CredentialStatus.REVOKED
    assert results[0].verified is False and results[0].revoked is True
    assert results[1].verified is True and results[1].revoked is False, results[1].errors
    # The status list is itself a credential that verifies.
    assert results[2].verified is True, results[2].errors
    assert status_list["issuer"] == document_of(revoked)["issuer"]["id"]
    assert issuance.credential_check(revoked).state == "revoked"
    assert issuance.credential_check(kept).state == "valid"


def test_credentials_signed_before_and_after_key_rotations_all_verify(settings):
    key_a, key_b = SigningKey.generate(), SigningKey.generate()
    settings.CREDENTIAL_SIGNING_KEY = ""  # a developer's generated key first
    generated = issue("Farah Nasser")
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(key_a.private_key)
    before = issue("Omar Haddad")
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(key_b.private_key)
    after = issue("Ірина Коваленко")
    # The generated key is still held (encrypted), so its status list can still be re-signed.
    issuance.credential_revoke(
        credential=generated, reason="Issued by mistake", acting_user=ProgrammeAdminFactory()
    )
    generated.refresh_from_db()
    status_lists = published_status_lists()

    results = verify_credentials([document_of(c) for c in (generated, before, after)], status_lists)

    generated_did = document_of(generated)["issuer"]["id"]
    assert document_of(before)["issuer"]["id"] == key_a.did
    assert document_of(after)["issuer"]["id"] == key_b.did
    assert (results[0].verified, results[0].revoked) == (False, True)
    assert [(r.verified, r.revoked) for r in results[1:]] == [(True, False), (True, False)], [
        r.errors for r in results
    ]
    # Each key has a status list of its own: a verifier requires the list's issuer to be the
    # credential's.
    assert sorted(doc["issuer"] for doc in status_lists.values()) == sorted(
        [generated_did, key_a.did, key_b.did]
    )
    assert set(IssuerKey.objects.values_list("did", flat=True)) == {
        generated_did,
        key_a.did,
        key_b.did,
    }
    assert [issuance.credential_check(c).state for c in (generated, before, after)] == [
        "revoked",
        "valid",
        "valid",
    ]
