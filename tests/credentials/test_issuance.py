"""Issuing credentials: one per completed enrolment (also under real concurrency on PostgreSQL),
only the chosen display name in the subject, status list indexes, erasure, the signing key and
its deployment check, the commands, the reconcile job, and a real Celery worker."""

import io
import json
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from credentials import checks
from credentials.models import Credential, Enrolment, EnrolmentStatus, IssuerKey, StatusList
from credentials.services import issuance
from credentials.services.completions import completion_record
from credentials.services.provider_keys import provider_api_key_create
from credentials.tasks import credentials_reconcile_task
from credentials.vc import documents, keys, proof, statuslist
from credentials.vc.keys import SigningKey, private_key_to_text
from partners.models import DisplacementStatus
from portal.crypto import decrypt_text
from portal.models import AuditEvent
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory
from tests.services import require_postgres

from .conftest import CASE_NUMBER, PARTNER_NAME, run_in_threads, verified_learner
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory

THREADS = 20


def completed_enrolment(name: str | None = "Farah Nasser", **kwargs) -> Enrolment:
    learner = kwargs.pop("learner", None) or LearnerFactory()
    if name is not None:
        LearnerProfileFactory(user=learner, display_name=name)
    return EnrolmentFactory(
        learner=learner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(hours=1),
        **kwargs,
    )


def issued_audit_events(credential: Credential):
    return AuditEvent.objects.filter(action="credential.issued", object_id=str(credential.pk))


# --- one credential per completed enrolment ----------------------------------------------------


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_credential():
    enrolment = completed_enrolment()

    first = issuance.credential_issue(enrolment_id=enrolment.pk)
    second = issuance.credential_issue(enrolment_id=enrolment.pk)

    assert first is not None and second.pk == first.pk
    assert second.document == first.document
    assert Credential.objects.count() == 1
    assert AuditEvent.objects.filter(action="credential.issued").count() == 1
    assert StatusList.objects.get().used == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.PROVISIONING,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.REVOKED,
    ],
)
def test_an_enrolment_that_is_not_completed_gets_no_credential(status):
    enrolment = EnrolmentFactory(status=status)

    assert issuance.credential_issue(enrolment_id=enrolment.pk) is None
    assert issuance.credential_issue(enrolment_id=enrolment.pk + 1000) is None
    assert Credential.objects.count() == 0
    assert StatusList.objects.count() == 0


@pytest.fixture
def postgres():
    require_postgres()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_concurrent_completion_reports_give_exactly_one_credential():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    LearnerProfileFactory(user=enrolment.learner, display_name="Farah Nasser")

    def report_and_issue(i: int):
        completion_record(enrolment=enrolment, source=f"thread-{i}")
        return issuance.credential_issue(enrolment_id=enrolment.pk)

    results = run_in_threads(THREADS, report_and_issue)

    assert [r for r in results if isinstance(r, BaseException)] == []
    credential = Credential.objects.get()
    assert {r.pk for r in results} == {credential.pk}
    assert credential.enrolment_id == enrolment.pk
    assert issued_audit_events(credential).count() == 1
    assert AuditEvent.objects.filter(action="credential.issued").count() == 1
    assert AuditEvent.objects.filter(action="enrolment.completed").count() == 1
    assert StatusList.objects.get().used == 1
    assert issuance.credential_check(credential).state == "valid"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_concurrent_first_credentials_share_one_new_status_list():
    """No status list exists yet: every issuer wants to start list 1 at the same moment."""
    enrolments = [completed_enrolment(f"Learner {i}") for i in range(10)]
    issuance.signing_key_current()  # the key exists already; only the list is new

    results = run_in_threads(10, lambda i: issuance.credential_issue(enrolment_id=enrolments[i].pk))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert Credential.objects.count() == 10
    status_list = StatusList.objects.get()
    assert status_list.number == 1 and status_list.used == 10
    indexes = set(Credential.objects.values_list("status_index", flat=True))
    assert len(indexes) == 10


# --- what the credential says about the learner ---------------------------------------------


@pytest.mark.django_db
def test_the_subject_is_only_the_display_name_the_learner_chose(partner, settings):
    # The issuer's name is the programme's, configured per deployment; a neutral one here, so
    # the document can be searched for any word about the learner's status.
    settings.PROGRAMME_NAME = "Open Learning Programme"
    learner = verified_learner(partner, email="amal.haddad@example.org", name="Amal Haddad")
    enrolment = completed_enrolment(None, learner=learner, partner=partner)

    credential = issuance.credential_issue(enrolment_id=enrolment.pk)

    document = json.loads(credential.document)
    subject = document["credentialSubject"]
    assert set(subject) == {"id", "type", "name", "achievement"}
    assert subject["name"] == credential.subject_name == "Amal Haddad"
    # Without a wallet's DID, the identifier is derived from the credential's own id alone.
    assert subject["id"] == documents.subject_id_for(document["id"])
    assert subject["id"].startswith("urn:uuid:")
    text = credential.document.lower()
    forbidden = [
        "amal.haddad",
        "example.org",
        PARTNER_NAME.lower(),
        "hope",
        CASE_NUMBER.lower(),
        "945-00271836",
        '"sy"',
        '"jo"',
        "syria",
        "jordan",
        "nationality",
        "country",
        "refugee",
        "asylum",
        "displace",
        "stateless",
        *(str(label).lower() for label in DisplacementStatus.labels),
    ]
    assert [word for word in forbidden if word in text] == []


@pytest.mark.django_db
@pytest.mark.parametrize("display_name", [None, "", "   "], ids=["no-profile", "empty", "blank"])
def test_a_learner_without_a_display_name_is_named_learner_never_by_email(display_name):
    learner = LearnerFactory(email="zainab.karimi@example.org")
    if display_name is not None:
        LearnerProfileFactory(user=learner, display_name=display_name)
    enrolment = completed_enrolment(None, learner=learner)

    credential = issuance.credential_issue(enrolment_id=enrolment.pk)

    assert json.loads(credential.document)["credentialSubject"]["name"] == "Learner"
    assert credential.subject_name == "Learner"
    assert "zainab" not in credential.document.lower()


# --- status list indexes --------------------------------------------------------------------


@pytest.mark.django_db
def test_status_indexes_are_distinct_and_random():
    credentials = [
        issuance.credential_issue(enrolment_id=completed_enrolment(f"L{i}").pk) for i in range(25)
    ]

    indexes = [c.status_index for c in credentials]
    assert len(set(indexes)) == 25
    assert all(0 <= i < statuslist.LIST_LENGTH for i in indexes)
    # Random over 131,072 bits, not handed out in order: spread wide and not increasing.
    assert max(indexes) - min(indexes) > statuslist.LIST_LENGTH // 4
    assert indexes != sorted(indexes)
    for credential in credentials:
        entry = json.loads(credential.document)["credentialStatus"]
        assert entry["statusListIndex"] == str(credential.status_index)
        assert entry["statusListCredential"] == issuance.status_list_url(1)


@pytest.mark.django_db
def test_a_new_status_list_is_started_when_one_is_half_full(monkeypatch):
    monkeypatch.setattr(issuance, "STATUS_LIST_FILL", 2)

    credentials = [
        issuance.credential_issue(enrolment_id=completed_enrolment(f"L{i}").pk) for i in range(5)
    ]

    numbers = [c.status_list.number for c in credentials]
    assert numbers == [1, 1, 2, 2, 3]
    assert list(StatusList.objects.order_by("number").values_list("used", flat=True)) == [2, 2, 1]
    for status_list in StatusList.objects.all():
        document = json.loads(status_list.document)
        assert document["id"] == issuance.status_list_url(status_list.number)
        assert proof.verify(document)
        assert status_list.length == statuslist.LIST_LENGTH


# --- erasure --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasing_the_learner_keeps_the_credential_and_its_check_valid():
    enrolment = completed_enrolment("Farah Nasser")
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    document = credential.document

    enrolment.learner.delete()

    credential.refresh_from_db()
    assert credential.learner_id is None
    assert credential.enrolment_id is None
    assert credential.document == document
    check = issuance.credential_check(credential)
    assert (check.state, check.subject_name) == ("valid", "Farah Nasser")


# --- the signing key ------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_configured_key_one_is_generated_once_and_stored_encrypted(settings):
    settings.CREDENTIAL_SIGNING_KEY = ""

    record, key = issuance.signing_key_current()
    again_record, again = issuance.signing_key_current()

    assert record.pk == again_record.pk and key.did == again.did
    assert IssuerKey.objects.count() == 1
    stored = IssuerKey.objects.get()
    seed_text = private_key_to_text(key.private_key)
    assert stored.generated is True
    assert stored.private_key_encrypted and seed_text not in stored.private_key_encrypted
    assert decrypt_text(stored.private_key_encrypted) == seed_text
    assert stored.did == key.did == f"did:key:{stored.public_key_multibase}"
    credential = issuance.credential_issue(enrolment_id=completed_enrolment().pk)
    assert json.loads(credential.document)["issuer"]["id"] == key.did
    assert credential.issuer_key_id == record.pk


@pytest.mark.django_db
def test_a_configured_key_is_used_and_its_private_part_stored_only_encrypted(settings):
    key = SigningKey.generate()
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(key.private_key)

    record, current = issuance.signing_key_current()

    assert current.did == key.did == record.did
    assert record.generated is False
    assert settings.CREDENTIAL_SIGNING_KEY not in record.private_key_encrypted
    assert decrypt_text(record.private_key_encrypted) == settings.CREDENTIAL_SIGNING_KEY


@pytest.mark.django_db
def test_revoking_after_the_configured_key_was_rotated_re_signs_the_old_status_list(
    settings, programme_admin
):
    old_key = SigningKey.generate()
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(old_key.private_key)
    credential = issuance.credential_issue(enrolment_id=completed_enrolment().pk)
    assert IssuerKey.objects.get(did=old_key.did).private_key_encrypted  # kept, encrypted
    assert (
        private_key_to_text(old_key.private_key)
        not in IssuerKey.objects.get(did=old_key.did).private_key_encrypted
    )
    settings.CREDENTIAL_SIGNING_KEY = private_key_to_text(SigningKey.generate().private_key)

    issuance.credential_revoke(
        credential=credential, reason="Issued by mistake", acting_user=programme_admin
    )

    credential.refresh_from_db()
    assert issuance.credential_check(credential).state == "revoked"
    # The list is re-signed by the key that signed the credential, with the bit set.
    published = json.loads(StatusList.objects.get().document)
    assert published["issuer"] == old_key.did
    assert proof.verify(published)
    assert statuslist.is_set(published["credentialSubject"]["encodedList"], credential.status_index)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("", ["credentials.W001"]),
        ("not-a-key", ["credentials.E001"]),
        ("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", ["credentials.E001"]),
        ("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq", []),
    ],
    ids=["missing", "garbage", "public-key", "valid"],
)
def test_deploy_check_reports_a_missing_or_invalid_signing_key(settings, configured, expected):
    settings.CREDENTIAL_SIGNING_KEY = configured
    assert [message.id for message in checks.credential_key_check(None)] == expected


# --- commands -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_credential_export_prints_exactly_the_stored_json():
    credential = issuance.credential_issue(enrolment_id=completed_enrolment("سارة أحمد").pk)
    out = io.StringIO()

    call_command("credential_export", credential.code, stdout=out)

    assert out.getvalue() == credential.document + "\n"
    assert json.loads(out.getvalue())["credentialSubject"]["name"] == "سارة أحمد"


@pytest.mark.django_db
def test_credential_export_of_an_unknown_code_is_an_error():
    with pytest.raises(CommandError, match="No credential"):
        call_command("credential_export", "no-such-code", stdout=io.StringIO())


def test_credential_key_generate_prints_a_usable_key():
    out, err = io.StringIO(), io.StringIO()

    call_command("credential_key_generate", stdout=out, stderr=err)

    key = SigningKey(keys.private_key_from_text(out.getvalue()))
    assert err.getvalue().strip() == f"did: {key.did}"
    assert key.did.startswith("did:key:z6Mk")


# --- the reconcile job ----------------------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_issues_for_completed_enrolments_left_without_a_credential():
    lost = completed_enrolment("Farah Nasser")
    Enrolment.objects.filter(pk=lost.pk).update(completed_at=timezone.now() - timedelta(minutes=2))
    just_now = completed_enrolment("Omar Haddad")
    Enrolment.objects.filter(pk=just_now.pk).update(completed_at=timezone.now())
    already = completed_enrolment("Ірина Коваленко")
    existing = issuance.credential_issue(enrolment_id=already.pk)
    active = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    credentials_reconcile_task.delay()  # Celery runs jobs in-process in tests

    assert Credential.objects.filter(enrolment=lost).count() == 1
    assert not Credential.objects.filter(enrolment__in=[just_now, active]).exists()
    assert list(Credential.objects.filter(enrolment=already)) == [existing]
    assert issuance.completed_without_credential() == []  # just_now is under a minute old


# --- end to end: the completions API and a real Celery worker -------------------------------


@pytest.mark.worker
def test_a_completion_posted_to_the_api_is_issued_by_the_worker(
    celery_worker, client, partner, programme_admin
):
    provider = ProviderFactory(name="Open Courses")
    course = CourseFactory(provider=provider, external_id="ML-101", title="Machine Learning")
    learner = verified_learner(partner, email="amina@example.org", name="Amina Yusuf")
    enrolment = EnrolmentFactory(
        learner=learner, course=course, partner=partner, status=EnrolmentStatus.ACTIVE
    )
    _key, key_text = provider_api_key_create(
        provider=provider, name="Feed", acting_user=programme_admin
    )

    response = client.post(
        "/api/v1/completions/",
        json.dumps({"email": "amina@example.org", "course_id": "ML-101"}),
        content_type="application/json",
        headers={"Authorization": f"Api-Key {key_text}"},
    )

    assert response.status_code == 200, response.content
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Credential.objects.filter(enrolment=enrolment):
        time.sleep(0.2)
    credential = Credential.objects.get(enrolment=enrolment)
    check = issuance.credential_check(credential)
    assert (check.state, check.subject_name, check.course) == (
        "valid",
        "Amina Yusuf",
        "Machine Learning",
    )
    assert AuditEvent.objects.filter(action="credential.issued").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("document", ["{}", "[]", "not json", '{"credentialSubject": 3}'])
def test_a_stored_document_that_is_not_a_signed_credential_checks_as_invalid(document):
    credential = issuance.credential_issue(enrolment_id=completed_enrolment().pk)
    Credential.objects.filter(pk=credential.pk).update(document=document)
    credential.refresh_from_db()
    assert issuance.credential_check(credential).state == "invalid"
