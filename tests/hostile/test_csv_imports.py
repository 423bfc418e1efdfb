"""Hostile CSV files into every import: bulk invitations (partners), bulk enrolment, completions
and voucher codes (credentials). Whatever the bytes, the upload answers with the page (a clear
error on the file field) or with the job's page; a refused file writes nothing, an accepted one
stores exactly its data lines, and every line ends with a result and a reason a person can read
(never the catch-all "internal_error"). Hostile values are shown escaped.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.models import AccessCode, EnrolmentStatus, ImportJob, ImportRow
from credentials.services.imports import import_job_process, reason_text
from partners.invitation_reasons import invitation_row_reason
from partners.models import ApplicationStatus, InvitationBatch, InvitationRow, StaffRole
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

from .strategies import MARKER, csv_files, emails, nasty_text

HOSTILE = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def place(db):
    """An admin, a coordinator of a partner, a voucher provider with a course, and learners the
    partner verified (one enrolled)."""
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    partner = PartnerFactory(slug="hostile")
    coordinator = PartnerStaffFactory()
    give_totp(coordinator)
    MembershipFactory(user=coordinator, partner=partner, role=StaffRole.COORDINATOR)
    provider = ProviderFactory(slug="codes")
    course = CourseFactory(provider=provider, external_id="ML-101")
    learners = [LearnerFactory(email=f"learner{i}@example.org") for i in range(3)]
    for learner in learners:
        ApplicationFactory(
            learner=learner,
            partner=partner,
            status=ApplicationStatus.APPROVED,
            verified_until=timezone.localdate().replace(year=timezone.localdate().year + 1),
        )
    EnrolmentFactory(
        learner=learners[0], course=course, partner=partner, status=EnrolmentStatus.ACTIVE
    )

    class Place:
        pass

    place = Place()
    place.admin, place.coordinator, place.partner = admin, coordinator, partner
    place.provider, place.course = provider, course
    return place


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, url: str, content: bytes, **fields):
    csv_file = SimpleUploadedFile("upload.csv", content, content_type="text/csv")
    return client.post(url, {**fields, "csv_file": csv_file})


def assert_refused_clearly(response, label: str) -> None:
    """The form again, with a message on the file field."""
    assert response.status_code == 200, label
    form = response.context["form"]
    assert form.errors.get("csv_file"), label
    assert all(str(message).strip() for message in form.errors["csv_file"]), label


def assert_escaped(response) -> None:
    assert MARKER.encode() not in response.content


def learner_emails():
    return st.sampled_from([f"learner{i}@example.org" for i in range(3)]) | emails()


def dates():
    return st.sampled_from(["2025-03-31", "2025-03-31T14:30:00Z", "yesterday", "2999-01-01", ""])


def check_import_job(client: Client, job: ImportJob, job_url: str, errors_url: str) -> None:
    assert ImportRow.objects.filter(job=job).count() == job.total
    import_job_process(job_id=job.pk)
    rows = list(ImportRow.objects.filter(job=job))
    assert all(row.processed_at is not None and row.result for row in rows)
    assert not [row for row in rows if row.message == "internal_error"], "a line met a bug"
    assert all(reason_text(row.message).strip() for row in rows)
    page = client.get(job_url)
    assert page.status_code == 200, job_url
    assert_escaped(page)
    # The problem report gives the lines back as they were written (the person fixes their
    # file with it): a download that no browser renders, never markup.
    report = client.get(errors_url)
    assert report.status_code == 200, errors_url
    assert report["Content-Type"].startswith("text/csv")
    assert report["Content-Disposition"].startswith("attachment;")
    assert report["X-Content-Type-Options"] == "nosniff"


def test_hostile_completion_files(place):
    client = signed_in(place.admin)
    url = reverse("programme:completions_import")
    cell = st.one_of(learner_emails(), st.just("ML-101"), dates(), st.just("92%"))

    @HOSTILE
    @given(content=csv_files(columns=["email", "course_id", "completed_at", "grade"], cell=cell))
    def run(content):
        jobs, rows = ImportJob.objects.count(), ImportRow.objects.count()
        response = upload(client, url, content, provider=place.provider.pk)
        assert response.status_code in {200, 302}
        if response.status_code == 200:
            assert_refused_clearly(response, "completions")
            assert_escaped(response)
            assert (ImportJob.objects.count(), ImportRow.objects.count()) == (jobs, rows)
            return
        job = ImportJob.objects.latest("pk")
        assert ImportJob.objects.count() == jobs + 1
        check_import_job(
            client,
            job,
            reverse("programme:completions_job", kwargs={"job_id": job.pk}),
            reverse("programme:completions_errors", kwargs={"job_id": job.pk}),
        )

    run()


def test_hostile_bulk_enrolment_files(place):
    client = signed_in(place.coordinator)
    url = reverse("seats:bulk_enrolment", kwargs={"slug": place.partner.slug})
    cell = st.one_of(learner_emails(), st.just(str(place.course.pk)), st.just("99999999"))

    @HOSTILE
    @given(content=csv_files(columns=["email", "course"], cell=cell))
    def run(content):
        jobs, rows = ImportJob.objects.count(), ImportRow.objects.count()
        response = upload(client, url, content)
        assert response.status_code in {200, 302}
        if response.status_code == 200:
            assert_refused_clearly(response, "bulk enrolment")
            assert_escaped(response)
            assert (ImportJob.objects.count(), ImportRow.objects.count()) == (jobs, rows)
            return
        job = ImportJob.objects.latest("pk")
        kwargs = {"slug": place.partner.slug, "job_id": job.pk}
        check_import_job(
            client,
            job,
            reverse("seats:bulk_enrolment_job", kwargs=kwargs),
            reverse("seats:bulk_enrolment_errors", kwargs=kwargs),
        )

    run()


def test_hostile_invitation_files(place):
    client = signed_in(place.coordinator)
    url = reverse("partners:bulk_invitations", kwargs={"slug": place.partner.slug})
    cell = st.one_of(emails("refugees.example"), st.sampled_from(["ar", "fa", "EN", "xx"]))

    @HOSTILE
    @given(content=csv_files(columns=["email", "name", "language"], cell=cell))
    def run(content):
        batches, rows = InvitationBatch.objects.count(), InvitationRow.objects.count()
        response = upload(client, url, content)
        assert response.status_code in {200, 302}
        if response.status_code == 200:
            assert_refused_clearly(response, "invitations")
            assert_escaped(response)
            counts = (InvitationBatch.objects.count(), InvitationRow.objects.count())
            assert counts == (batches, rows)
            return
        batch = InvitationBatch.objects.latest("pk")
        stored = list(InvitationRow.objects.filter(batch=batch))
        assert len(stored) == batch.total
        assert all(invitation_row_reason(row).strip() for row in stored if row.error)
        page = client.get(
            reverse(
                "partners:bulk_invitation_detail",
                kwargs={"slug": place.partner.slug, "batch_id": batch.pk},
            )
        )
        assert page.status_code == 200
        assert_escaped(page)

    run()


def test_hostile_voucher_code_files(place):
    client = signed_in(place.admin)
    url = reverse("programme:codes")
    cell = st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True)

    @HOSTILE
    @given(
        content=st.one_of(
            csv_files(columns=["code"], cell=cell),
            st.lists(st.one_of(cell, nasty_text), max_size=10).map(
                lambda codes: "\n".join(codes).encode("utf-8", errors="replace")
            ),
        )
    )
    def run(content):
        before = set(AccessCode.objects.values_list("code", flat=True))
        response = upload(client, url, content, provider=place.provider.slug)
        assert response.status_code in {200, 302}
        after = set(AccessCode.objects.values_list("code", flat=True))
        if response.status_code == 200:
            assert_refused_clearly(response, "codes")
            assert_escaped(response)
            assert after == before
            return
        text = content.decode("utf-8-sig")
        assert after >= before
        assert all(code in text for code in after - before)

    run()
