"""A learner's data rights: the export holds every record about them and nothing about anyone
else; erasure leaves none of their personal data in any table (searched column by column on
PostgreSQL), keeps the roll-ups' counts, tells API providers, and signs the learner out."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from credentials.models import (
    AccessMethod,
    Credential,
    CredentialStatus,
    Enrolment,
    EnrolmentStatus,
    ImportJob,
    ImportRow,
)
from credentials.selectors import credential_get_public
from credentials.services import issuance
from learners.models import DataExport, LearnerProfile
from learners.services import data_rights
from partners.models import (
    Application,
    ApplicationStatus,
    EvidenceDocument,
    InvitationBatch,
    InvitationRow,
    RejectionReason,
)
from partners.services.applications import case_number_hash
from portal.crypto import encrypt_text
from portal.models import AuditEvent, User
from portal.services import audit_record
from reporting.models import Dimension, SummaryCount
from reporting.refresh import rollups_refresh
from tests.credentials.conftest import fake_provider  # noqa: F401
from tests.credentials.factories import (
    AccessCodeFactory,
    CourseFactory,
    EnrolmentFactory,
    ProviderFactory,
)
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory, PartnerStaffFactory
from tests.services import require_postgres

from .factories import LearnerProfileFactory

PROVIDER_TOKEN = "erasure-provider-token-51c"


@dataclass
class Planted:
    user: User
    values: dict[str, str]  # what → a value found nowhere else
    name: str
    enrolment_api: Enrolment
    credential: Credential


def plant_learner(tag: str, *, partner, staff, api_provider=None) -> Planted:
    """A learner with a distinctive value in every table that can hold something about them."""
    values = {
        "email": f"{tag}.mail-7731@example.org",
        "name": f"{tag.title()} Plantedname",
        "phone": "+962790001234" if tag == "amira" else "+962795556677",
        "case_number": f"UNHCR-{tag.upper()}-5521",
        "note": f"note-{tag}-8812",
        "message": f"message-{tag}-3310",
        "decision_note": f"decision-{tag}-4471",
        "reason": f"reason-{tag}-1234",
        "access_code": f"VOUCHER-{tag.upper()}-9090",
        "access_link": f"https://provider.example/go/{tag}-6161",
        "provider_reference": f"fp-{tag}-2020",
        "grade": f"grade-{tag}-77",
        "ip": "10.9.8.7" if tag == "amira" else "10.1.2.3",
        "user_agent": f"Browser-{tag}-5544",
        "invited_name": f"Invited {tag} Person",
    }
    user = LearnerFactory(email=values["email"], language="ar")
    if hasattr(user, "phone"):  # signing in by phone: the number is on the account
        values["account_phone"] = "+962771112233" if tag == "amira" else "+962774445566"
        User.objects.filter(pk=user.pk).update(phone=values["account_phone"])
    phone_encrypted = encrypt_text(values["phone"])
    LearnerProfileFactory(user=user, display_name=values["name"], phone_encrypted=phone_encrypted)
    values["phone_encrypted"] = phone_encrypted
    decided = ApplicationFactory(
        learner=user,
        partner=partner,
        status=ApplicationStatus.REJECTED,
        case_number_encrypted=encrypt_text(values["case_number"]),
        case_number_hash=case_number_hash(values["case_number"]),
        note=values["note"],
        rejection_reason=RejectionReason.OTHER,
        decision_note=values["decision_note"],
        decided_at=timezone.now() - timedelta(days=3),
        decided_by=staff,
        submitted_at=timezone.now() - timedelta(days=5),
    )
    values["case_number_encrypted"] = decided.case_number_encrypted
    values["case_number_hash"] = decided.case_number_hash
    audit_record(
        actor=staff,
        action="application.rejected",
        target=decided,
        partner_id=partner.pk,
        data={"reason": values["reason"]},
    )
    open_application = ApplicationFactory(
        learner=user,
        partner=partner,
        status=ApplicationStatus.INFO_REQUESTED,
        info_request_message=values["message"],
        note=values["note"] + "-open",
    )
    document = EvidenceDocument(application=open_application, kind="pdf", size=20)
    document.file.save("ignored", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    values["document_file"] = document.file.name.split("/")[-1]

    voucher = EnrolmentFactory(
        learner=user,
        partner=partner,
        course=CourseFactory(),
        access_link=values["access_link"],
        activated_at=timezone.now(),
    )
    AccessCodeFactory(
        provider=voucher.course.provider, code=values["access_code"], enrolment=voucher
    )
    completed = EnrolmentFactory(
        learner=user,
        partner=partner,
        status=EnrolmentStatus.COMPLETED,
        activated_at=timezone.now() - timedelta(days=20),
        completed_at=timezone.now() - timedelta(days=1),
        grade=values["grade"],
    )
    credential = issuance.credential_issue(enrolment_id=completed.pk)
    values["credential_code"] = credential.code
    enrolment_api = EnrolmentFactory(
        learner=user,
        partner=partner,
        course=CourseFactory(provider=api_provider) if api_provider else CourseFactory(),
        provider_reference=values["provider_reference"],
        activated_at=timezone.now(),
    )

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    UserSession.objects.create(
        user=user,
        session_key=session.session_key,
        ip=values["ip"],
        user_agent=values["user_agent"],
    )
    batch = InvitationBatch.objects.create(partner=partner)
    InvitationRow.objects.create(
        batch=batch, line=1, email=values["email"], name=values["invited_name"]
    )
    job = ImportJob.objects.create(kind=ImportJob.Kind.COMPLETIONS)
    ImportRow.objects.create(job=job, line=1, values={"email": values["email"], "course_id": "x"})
    return Planted(user, values, values["name"], enrolment_api, credential)


@pytest.fixture
def world(db, private_storage_dir, fake_provider, settings):  # noqa: F811
    settings.PROVIDER_MAX_RETRIES = 1
    settings.PROVIDER_RETRY_BASE_SECONDS = 0
    partner = PartnerFactory(name="Hope Partner")
    staff = PartnerStaffFactory(email="reviewer-hidden-9876@ngo.example")
    api_provider = ProviderFactory(
        access_method=AccessMethod.API,
        api_enrolment_url=fake_provider.url,
        api_token_encrypted=encrypt_text(PROVIDER_TOKEN),
    )
    amira = plant_learner("amira", partner=partner, staff=staff, api_provider=api_provider)
    bashir = plant_learner("bashir", partner=partner, staff=staff)
    return {"amira": amira, "bashir": bashir, "staff": staff, "provider": fake_provider}


def export_text(user, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        export = data_rights.learner_data_export_request(acting_user=user)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    with data_rights.private_storage().open(export.file_name, "rb") as handle:
        return handle.read().decode("utf-8")


# --- export --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_holds_every_record_about_the_learner_and_nothing_about_anyone_else(
    world, django_capture_on_commit_callbacks
):
    amira, bashir = world["amira"], world["bashir"]

    text = export_text(amira.user, django_capture_on_commit_callbacks)
    data = json.loads(text)

    for what in (
        "email",
        "name",
        "phone",
        "case_number",
        "note",
        "message",
        "decision_note",
        "reason",
        "access_code",
        "access_link",
        "provider_reference",
        "grade",
        "user_agent",
        "credential_code",
    ):
        assert amira.values[what] in text, what
    if "account_phone" in amira.values:
        assert data["account"]["phone"] == amira.values["account_phone"]
    for what, value in bashir.values.items():
        if what in ("ip",):
            continue
        assert value not in text, what
    assert "reviewer-hidden-9876" not in text
    assert {a["status"] for a in data["applications"]} == {"rejected", "info_requested"}
    assert [a["decided_by"] for a in data["applications"] if a["status"] == "rejected"] == [
        "partner staff"
    ]
    documents = [d for a in data["applications"] for d in a["documents"]]
    assert [d["kind"] for d in documents] == ["pdf"]
    assert len(data["enrolments"]) == 3
    (credential,) = data["credentials"]
    assert credential["signed_credential"]["credentialSubject"]["name"] == amira.name
    assert credential["signed_credential"]["proof"]
    actions = {event["action"] for event in data["audit_events"]}
    assert {"application.rejected", "credential.issued", "learner.data_export_requested"} <= actions
    assert data["profile"]["display_name"] == amira.name
    assert data["account"]["language"] == "ar"


@pytest.mark.django_db
def test_export_page_download_and_expiry(world, client, django_capture_on_commit_callbacks):
    amira, bashir = world["amira"].user, world["bashir"].user
    client.force_login(amira)
    url = reverse("learners:data")
    assert client.get(url).status_code == 200
    assert client.get(reverse("learners:data_download")).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    page = client.get(url)
    assert reverse("learners:data_download").encode() in page.content

    response = client.get(reverse("learners:data_download"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = json.loads(b"".join(response.streaming_content))
    assert body["account"]["email"] == amira.email
    assert AuditEvent.objects.filter(action="learner.data_export_downloaded", actor=amira).exists()

    # Another learner cannot reach it: their own download is all they can name.
    other = client.__class__()
    other.force_login(bashir)
    assert other.get(reverse("learners:data_download")).status_code == 404

    # After 24 hours the file is gone.
    data_rights.learner_data_exports_expire(now=timezone.now() + timedelta(hours=25))
    assert client.get(reverse("learners:data_download")).status_code == 404
    export = DataExport.objects.get(learner=amira)
    assert export.status == DataExport.Status.EXPIRED and not export.file_name
    assert "learners.tasks.learner_data_exports_expire_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


@pytest.mark.django_db
def test_a_pending_export_shows_progress_and_refreshes_itself_when_asked(
    learner_with_profile, client
):
    client.force_login(learner_with_profile)
    client.post(reverse("learners:data"))  # on_commit not run: still waiting
    page = client.get(reverse("learners:data"))
    # A page that reloads on its own takes a screen reader back to the top (WCAG 2.2.1).
    assert b'http-equiv="refresh"' not in page.content
    assert b"?auto=1" in page.content
    page = client.get(reverse("learners:data") + "?auto=1")
    assert b'http-equiv="refresh"' in page.content


# --- erasure -------------------------------------------------------------------------------------


def text_columns():
    """Every (table, column) of the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                yield table, column.name


def tables_holding(values: dict[str, str]) -> set[tuple[str, str, str]]:
    """(what, table, column) for every planted value still found anywhere, every column cast to
    text."""
    found = set()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for what, value in values.items():
                cursor.execute(
                    f"SELECT 1 FROM {qn(table)} WHERE {qn(column)}::text ILIKE %s LIMIT 1",  # noqa: S608
                    [f"%{value}%"],
                )
                if cursor.fetchone():
                    found.add((what, table, column))
    return found


def totals() -> dict[str, int]:
    rollups_refresh()
    return dict(
        SummaryCount.objects.filter(
            scope_partner_id__isnull=True, dimension=Dimension.TOTAL
        ).values_list("metric", "value")
    )


def erase_through_the_page(client, user, choice: str, django_capture_on_commit_callbacks):
    client.force_login(user)
    url = reverse("learners:data_delete")
    refused = client.post(url, {"credentials": choice, "confirmation": "maybe"})
    assert refused.status_code == 200 and b"exactly" in refused.content
    assert User.objects.get(pk=user.pk).is_active
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"credentials": choice, "confirmation": "delete"})
    assert response.status_code == 200
    return response


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["keep", "revoke"])
def test_erasure_leaves_no_personal_data_in_any_table_and_keeps_the_counts(
    world, client, choice, django_capture_on_commit_callbacks
):
    require_postgres()
    amira, bashir = world["amira"], world["bashir"]
    # An export is waiting too: its file must go.
    export_text(amira.user, django_capture_on_commit_callbacks)
    before = totals()
    assert tables_holding(amira.values), "the planted values are where the search looks"
    bashir_before = tables_holding(bashir.values)

    erase_through_the_page(client, amira.user, choice, django_capture_on_commit_callbacks)

    # The credential's own random code stays (the status list and its link need it); it no
    # longer leads to anyone.
    personal = {what: value for what, value in amira.values.items() if what != "credential_code"}
    found = tables_holding(personal)
    if choice == "keep":
        # The learner chose to keep their certificates verifiable under their display name.
        assert found == {
            ("name", "credentials_credential", "subject_name"),
            ("name", "credentials_credential", "document"),
        }
    else:
        assert found == set()
    assert tables_holding(bashir.values) == bashir_before  # nobody else's data touched
    assert totals() == before

    user = User.objects.get(pk=amira.user.pk)
    assert user.email.startswith("erased-") and user.email.endswith("@erased.invalid")
    assert not user.is_active and not user.has_usable_password()
    profile = LearnerProfile.objects.get(user=user)
    assert profile.display_name == "" and profile.country_of_residence.code == "JO"
    assert not EvidenceDocument.objects.filter(application__learner=user).exists()
    evidence_files = _files(data_rights.private_storage(), "evidence")
    assert amira.values["document_file"] not in evidence_files
    assert bashir.values["document_file"] in evidence_files
    assert _files(data_rights.private_storage(), data_rights.EXPORT_FOLDER) == []
    statuses = dict(Application.objects.filter(learner=user).values_list("status", "partner_id"))
    assert set(statuses) == {ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    assert set(Enrolment.objects.filter(learner=user).values_list("status", flat=True)) == {
        EnrolmentStatus.REVOKED,
        EnrolmentStatus.COMPLETED,
    }
    credential = Credential.objects.get(pk=amira.credential.pk)
    assert credential.learner_id is None and credential.enrolment_id is not None
    check = issuance.credential_check(credential)
    if choice == "keep":
        assert credential.status == CredentialStatus.ISSUED
        assert (check.state, check.subject_name) == ("valid", amira.name)
    else:
        assert credential.status == CredentialStatus.REVOKED and not credential.is_public
        assert credential_get_public(credential.code) is None

    # Signed out: the session is gone, the learner pages send to sign in.
    assert client.get(reverse("learners:dashboard")).status_code == 302
    assert not client.login(email=amira.values["email"], password="a-long-test-passphrase-42")


def _files(storage, folder: str) -> list[str]:
    try:
        _dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    return files


@pytest.mark.django_db
def test_erasure_tells_the_api_provider_and_records_its_answer(
    world, django_capture_on_commit_callbacks
):
    amira = world["amira"]
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.learner_account_erase(
            user=amira.user, credentials="keep", acting_user=amira.user
        )

    enrolment = amira.enrolment_api
    deletes = [r for r in world["provider"].requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/v1/enrolments/enrolment-{enrolment.pk}"]
    assert deletes[0].headers["authorization"] == f"Bearer {PROVIDER_TOKEN}"
    assert deletes[0].body == b""  # nothing about the learner leaves the portal
    event = AuditEvent.objects.get(
        action="enrolment.provider_notified", object_id=str(enrolment.pk)
    )
    assert event.data == {"answer": 404}  # the fake provider has no such resource: final
    # Sending it again does nothing.
    assert data_rights.enrolment_provider_notice(enrolment_id=enrolment.pk) is None
    assert len([r for r in world["provider"].requests if r.method == "DELETE"]) == 1


@pytest.mark.django_db
def test_a_lost_erasure_notice_is_sent_again_by_the_reconciler_once(world):
    amira = world["amira"]
    # The erasure commits but its job never runs (the on-commit enqueue is not executed here,
    # as when Redis was down).
    data_rights.learner_account_erase(user=amira.user, credentials="keep", acting_user=amira.user)
    enrolment = amira.enrolment_api
    assert not [r for r in world["provider"].requests if r.method == "DELETE"]

    now = timezone.now()
    assert data_rights.enrolment_provider_notices_reconcile(now=now) == 0  # too early
    given_up = now + data_rights.NOTICE_GIVE_UP + timedelta(minutes=1)
    assert data_rights.enrolment_provider_notices_reconcile(now=given_up) == 0  # a week: given up
    later = now + data_rights.NOTICE_RESEND_AFTER + timedelta(minutes=1)
    assert data_rights.enrolment_provider_notices_reconcile(now=later) == 1
    deletes = [r for r in world["provider"].requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/v1/enrolments/enrolment-{enrolment.pk}"]
    # Answered: never sent again.
    assert data_rights.enrolment_provider_notices_reconcile(now=later) == 0


@pytest.mark.django_db
def test_erasure_returns_the_seat_and_withdraws_open_applications(world):
    amira = world["amira"].user
    summary = data_rights.learner_account_erase(user=amira, credentials="revoke", acting_user=amira)
    assert summary["applications_withdrawn"] == 1
    assert summary["enrolments_cancelled"] == 2
    assert summary["credentials"] == "revoke"
    assert not Application.objects.filter(
        learner=amira, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]
    ).exists()


@pytest.mark.django_db
def test_only_the_learner_can_erase_their_own_account(world):
    from django.core.exceptions import ValidationError

    amira, bashir = world["amira"].user, world["bashir"].user
    with pytest.raises(ValidationError):
        data_rights.learner_account_erase(user=amira, credentials="keep", acting_user=bashir)
    assert User.objects.get(pk=amira.pk).is_active


@pytest.mark.django_db
def test_data_pages_are_for_learners_only(client, staff_with_mfa, admin_with_mfa):
    for user in (staff_with_mfa, admin_with_mfa):
        client.force_login(user)
        for name in ("learners:data", "learners:data_download", "learners:data_delete"):
            assert client.get(reverse(name)).status_code == 404, (user.role, name)
        assert client.post(reverse("learners:data_delete"), {}).status_code == 404
    client.logout()
    response = client.get(reverse("learners:data"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
