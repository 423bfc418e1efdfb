"""Periodic jobs: verifications expire, learners are reminded once, evidence is purged on time."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import ApplicationStatus, EvidenceDocument
from partners.services.applications import Decision, application_decide, application_submit
from partners.tasks import (
    documents_purge_task,
    verification_reminders_task,
    verifications_expire_task,
)
from portal.models import AuditEvent
from tests.portal.factories import LearnerFactory

from .conftest import pdf_upload, png_upload
from .factories import ApplicationFactory
from .hostile_documents import jobs_after_commit


def approved(partner, *, days_left: int, **kwargs):
    return ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now() - timedelta(days=300),
        verified_until=timezone.localdate() + timedelta(days=days_left),
        **kwargs,
    )


# --- expiry -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_verifications_past_their_date_expire_and_the_learner_is_told(
    partner, django_capture_on_commit_callbacks
):
    past = approved(partner, days_left=-1)
    today = approved(partner, days_left=0)
    future = approved(partner, days_left=10)
    with django_capture_on_commit_callbacks(execute=True):
        verifications_expire_task.delay()
    for application in (past, today, future):
        application.refresh_from_db()
    assert past.status == ApplicationStatus.EXPIRED
    assert today.status == ApplicationStatus.APPROVED
    assert future.status == ApplicationStatus.APPROVED
    assert [m.to for m in mail.outbox] == [[past.learner.email]]
    assert AuditEvent.objects.filter(action="application.expired", object_id=str(past.pk)).exists()


@pytest.mark.django_db
def test_expiry_job_run_twice_expires_and_tells_once(partner, django_capture_on_commit_callbacks):
    past = approved(partner, days_left=-5)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            verifications_expire_task.delay()
    past.refresh_from_db()
    assert past.status == ApplicationStatus.EXPIRED
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="application.expired").count() == 1


@pytest.mark.django_db
def test_expiry_job_leaves_other_statuses_alone(partner, django_capture_on_commit_callbacks):
    rejected = ApplicationFactory(partner=partner, status=ApplicationStatus.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        verifications_expire_task.delay()
    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED
    assert mail.outbox == []


# --- reminders ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminder_is_sent_once_within_30_days_of_expiry(
    partner, django_capture_on_commit_callbacks
):
    due = approved(partner, days_left=30)
    soon = approved(partner, days_left=3)
    later = approved(partner, days_left=31)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            verification_reminders_task.delay()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([due.learner.email, soon.learner.email])
    for application in (due, soon, later):
        application.refresh_from_db()
    assert due.expiry_reminder_sent_at is not None
    assert soon.expiry_reminder_sent_at is not None
    assert later.expiry_reminder_sent_at is None


@pytest.mark.django_db
def test_reminder_names_the_end_date_but_no_personal_details(
    partner, django_capture_on_commit_callbacks
):
    application = approved(partner, days_left=20, note="Learner note", decision_note="Staff note")
    with django_capture_on_commit_callbacks(execute=True):
        verification_reminders_task.delay()
    message = mail.outbox[0]
    assert partner.name in message.body
    assert str(application.verified_until.year) in message.subject
    for secret in ("Learner note", "Staff note", "efugee"):
        assert secret not in message.subject + message.body
    assert "/learn/" in message.body


@pytest.mark.django_db
def test_no_reminder_for_applications_that_are_not_approved(
    partner, django_capture_on_commit_callbacks
):
    ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.EXPIRED,
        verified_until=timezone.localdate() + timedelta(days=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        verification_reminders_task.delay()
    assert mail.outbox == []


# --- evidence purge -----------------------------------------------------------------------------


def submitted_with_documents(learner, partner):
    with jobs_after_commit():  # documents are rebuilt after commit, as outside tests
        return application_submit(
            learner=learner,
            partner=partner,
            displacement_status="refugee",
            country_of_residence="JO",
            case_number="",
            documents=[pdf_upload(), png_upload()],
            acting_user=learner,
        )


def decide_days_ago(application, reviewer, *, decision, days, **details):
    application_decide(application=application, decision=decision, acting_user=reviewer, **details)
    type(application).objects.filter(pk=application.pk).update(
        decided_at=timezone.now() - timedelta(days=days)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "details"),
    [(Decision.APPROVE, {}), (Decision.REJECT, {"reason": "not_eligible"})],
)
def test_documents_are_purged_after_the_retention_period(
    applicant,
    partner,
    reviewer,
    settings,
    private_storage_root,
    decision,
    details,
    django_capture_on_commit_callbacks,
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    application = submitted_with_documents(applicant, partner)
    documents = list(application.documents.all())
    names = [d.file.name for d in documents]
    assert all((private_storage_root / name).exists() for name in names)
    decide_days_ago(application, reviewer, decision=decision, days=31, **details)

    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()

    for document, name in zip(documents, names, strict=True):
        document.refresh_from_db()
        assert document.purged_at is not None
        assert document.file.name == ""
        assert document.kind in ("pdf", "png")
        assert not (private_storage_root / name).exists()
    assert AuditEvent.objects.filter(action="document.purged").count() == 2


@pytest.mark.django_db
def test_documents_are_kept_until_the_retention_period_ends(
    applicant, partner, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    application = submitted_with_documents(applicant, partner)
    decide_days_ago(application, reviewer, decision=Decision.APPROVE, days=29)
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    assert not EvidenceDocument.objects.filter(purged_at__isnull=False).exists()


@pytest.mark.django_db
def test_documents_of_undecided_applications_are_kept(
    applicant, partner, reviewer, settings, private_storage_root, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    waiting = submitted_with_documents(applicant, partner)
    type(waiting).objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.now() - timedelta(days=400),
        created_at=timezone.now() - timedelta(days=400),
    )
    # Asked for more information long ago: still undecided, the evidence is still needed.
    other = submitted_with_documents(LearnerFactory(), partner)
    decide_days_ago(other, reviewer, decision=Decision.REQUEST_INFO, days=400, message="More?")
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    assert EvidenceDocument.objects.filter(purged_at__isnull=True).count() == 4
    for document in EvidenceDocument.objects.all():
        assert (private_storage_root / document.file.name).exists()


@pytest.mark.django_db
def test_documents_of_withdrawn_applications_are_purged_after_the_period(
    applicant, partner, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    application = submitted_with_documents(applicant, partner)
    type(application).objects.filter(pk=application.pk).update(
        status=ApplicationStatus.WITHDRAWN, submitted_at=timezone.now() - timedelta(days=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    assert EvidenceDocument.objects.filter(purged_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_running_the_purge_twice_is_harmless(
    applicant, partner, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    application = submitted_with_documents(applicant, partner)
    decide_days_ago(application, reviewer, decision=Decision.APPROVE, days=60)
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    first = {d.pk: d.purged_at for d in EvidenceDocument.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    assert {d.pk: d.purged_at for d in EvidenceDocument.objects.all()} == first
    assert EvidenceDocument.objects.count() == 2
    assert AuditEvent.objects.filter(action="document.purged").count() == 2


@pytest.mark.django_db
def test_purged_document_can_no_longer_be_downloaded(
    client, applicant, partner, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_RETENTION_DAYS = 30
    application = submitted_with_documents(applicant, partner)
    document = application.documents.first()
    decide_days_ago(application, reviewer, decision=Decision.APPROVE, days=31)
    with django_capture_on_commit_callbacks(execute=True):
        documents_purge_task.delay()
    client.force_login(reviewer)
    response = client.get(f"/staff/{partner.slug}/documents/{document.pk}/")
    assert response.status_code == 404
