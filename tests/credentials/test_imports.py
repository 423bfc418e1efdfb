"""CSV imports in the background: completions (programme admins) and bulk enrolment
(coordinators) — file checks, per-row results, progress, re-runs, error reports, scoping and
query counts."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credentials.models import Enrolment, EnrolmentStatus, ImportJob, ImportRow
from credentials.services import imports
from credentials.services.imports import (
    bulk_enrolment_create,
    completion_import_create,
    import_job_process,
    import_jobs_reconcile,
)
from credentials.signals import enrolment_completed
from credentials.tasks import import_job_process_task
from partners.models import Membership, StaffRole
from portal.models import AuditEvent
from tests.partners.factories import PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

from .conftest import staff_of, verified_learner, voucher_course
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory

pytestmark = pytest.mark.django_db

COMPLETIONS_URL = "/staff/programme/completions/"


def csv_upload(text: str | bytes, name="file.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Open Courses")


@pytest.fixture
def course(provider):
    return CourseFactory(provider=provider, external_id="ML-101")


def active_enrolment(course, email, **kwargs):
    return EnrolmentFactory(
        learner=LearnerFactory(email=email),
        course=course,
        status=EnrolmentStatus.ACTIVE,
        activated_at=timezone.now() - timedelta(days=10),
        **kwargs,
    )


@pytest.fixture
def completions_heard():
    heard = []

    def receiver(sender, enrolment_id, **kwargs):
        heard.append(enrolment_id)

    enrolment_completed.connect(receiver, weak=False)
    yield heard
    enrolment_completed.disconnect(receiver)


def upload_completions(client, provider, text, capture, execute=True):
    with capture(execute=execute):
        return client.post(COMPLETIONS_URL, {"provider": provider.pk, "csv_file": csv_upload(text)})


def results_of(job):
    return {row.line: (row.result, row.message) for row in job.rows.order_by("line")}


def test_urls_resolve_to_the_documented_paths():
    assert reverse("programme:provider_keys") == "/staff/programme/provider-keys/"
    assert reverse("programme:completions_import") == COMPLETIONS_URL
    assert reverse("programme:completions_job", kwargs={"job_id": 3}) == f"{COMPLETIONS_URL}3/"
    assert (
        reverse("programme:completions_errors", kwargs={"job_id": 3})
        == f"{COMPLETIONS_URL}3/errors.csv"
    )
    assert (
        reverse("seats:bulk_enrolment", kwargs={"slug": "hope"}) == "/staff/hope/enrolments/bulk/"
    )
    assert (
        reverse("seats:bulk_enrolment_job", kwargs={"slug": "hope", "job_id": 4})
        == "/staff/hope/enrolments/bulk/4/"
    )


# --- completions: upload and background processing ----------------------------------------------


def test_completion_upload_records_each_line_and_reports_the_rest(
    client, programme_admin, provider, course, completions_heard, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    done = active_enrolment(course, "amina@example.org")
    twice = active_enrolment(course, "jean@example.org")
    twice.status, twice.completed_at = EnrolmentStatus.COMPLETED, timezone.now()
    twice.save()
    withdrawn = EnrolmentFactory(
        learner=LearnerFactory(email="left@example.org"),
        course=course,
        status=EnrolmentStatus.REVOKED,
        activated_at=timezone.now(),
    )
    other_provider_course = CourseFactory(external_id="OTHER-1")
    active_enrolment(other_provider_course, "other@example.org")
    text = (
        "email,course_id,completed_at,grade\n"
        "amina@example.org,ML-101,2025-03-31,92%\n"
        "jean@example.org,ML-101,,\n"
        "nobody@example.org,ML-101,,\n"
        "left@example.org,ML-101,,\n"
        "other@example.org,OTHER-1,,\n"
        "not-an-email,ML-101,,\n"
        "amina@example.org,ML-101,31/03/2025,\n"
        "\n"
        "amina@example.org,ML-101,2025-03-31,A,extra\n"
    )
    response = upload_completions(client, provider, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programme:completions_job", kwargs={"job_id": job.pk})
    job.refresh_from_db()
    assert job.kind == ImportJob.Kind.COMPLETIONS and job.provider == provider
    assert (job.status, job.total, job.processed) == (ImportJob.Status.DONE, 8, 8)
    assert results_of(job) == {
        2: ("completed", "completed"),
        3: ("already_completed", "already_completed"),
        4: ("not_found", "not_found"),
        5: ("not_active", "not_active"),
        6: ("not_found", "not_found"),
        7: ("invalid", "invalid_email"),
        8: ("invalid", "bad_date"),
        10: ("invalid", "extra_values"),
    }
    done.refresh_from_db()
    assert done.status == EnrolmentStatus.COMPLETED
    assert done.completed_at == datetime(2025, 3, 31, tzinfo=UTC)
    assert done.grade == "92%"
    assert completions_heard == [done.pk]
    withdrawn.refresh_from_db()
    assert withdrawn.status == EnrolmentStatus.REVOKED
    event = AuditEvent.objects.get(action="enrolment.completed")
    assert event.actor == programme_admin and event.data == {"source": "csv"}
    assert AuditEvent.objects.filter(action="import.completions.created").count() == 1
    assert AuditEvent.objects.filter(action="import.completions.done").count() == 1

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in body
    counts = {value: count for value, _label, count in page.context["counts"]}
    assert counts == {
        "completed": 1,
        "already_completed": 1,
        "not_found": 2,
        "not_active": 1,
        "invalid": 3,
    }
    assert "The completion date must look like 2025-03-31" in body


def test_a_file_with_a_byte_order_mark_is_read(
    client, programme_admin, provider, course, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    enrolment = active_enrolment(course, "amina@example.org")
    text = "\ufeffEmail,Course_ID\r\namina@example.org,ML-101\r\n".encode()
    upload_completions(client, provider, text, django_capture_on_commit_callbacks)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("mail,course\nx@example.org,ML-101\n", "The first line must name the columns"),
        ("email\nx@example.org\n", "The first line must name the columns"),
        ("email,course_id,colour\nx@example.org,ML-101,red\n", "The first line must name"),
        ("email,course_id,email\nx@example.org,ML-101,y\n", "The first line must name"),
        ("", "file is empty."),
        ("\n\n", "The file is empty."),
        ("email,course_id\n", "The file has a header line but no data lines."),
        ("email,course_id\nJosé@example.org,ML\n".encode("latin-1"), "The file is not in UTF-8"),
        ('email,course_id\n"x@example.org,ML\0\n', "The file is not in UTF-8"),
        ("email,course_id\nx@example.org,ML\n".encode("utf-16"), "The file is not in UTF-8"),
        ('email,course_id\n"x@example.org,ML\n', "could not be read as CSV"),
    ],
)
def test_a_bad_completion_file_is_refused_with_a_clear_message_and_nothing_stored(
    client, programme_admin, provider, content, message, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    response = upload_completions(client, provider, content, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["csv_file"])
    assert response.context["form"]["provider"].value() == str(provider.pk)
    assert not ImportJob.objects.exists() and not ImportRow.objects.exists()


def test_a_file_over_2_mb_is_refused(
    client, programme_admin, provider, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    text = "email,course_id\n" + "x@example.org,ML-101\n" * 110_000
    assert len(text.encode()) > 2 * 1024 * 1024
    response = upload_completions(client, provider, text, django_capture_on_commit_callbacks)
    assert "larger than 2 MB" in " ".join(response.context["form"].errors["csv_file"])
    assert not ImportJob.objects.exists()


def test_the_service_refuses_a_big_file_even_without_the_form(provider, programme_admin):
    text = "email,course_id\n" + "x@example.org,ML-101\n" * 110_000
    with pytest.raises(Exception) as error:
        completion_import_create(
            provider=provider, csv_file=csv_upload(text), acting_user=programme_admin
        )
    assert error.value.code == "too_big"


def test_more_than_20000_lines_are_refused(
    client, programme_admin, provider, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    text = "email,course_id\n" + "a@b.org,1\n" * 20_001
    response = upload_completions(client, provider, text, django_capture_on_commit_callbacks)
    assert "more than 20,000 lines" in " ".join(response.context["form"].errors["csv_file"])
    assert not ImportJob.objects.exists()


def test_processing_goes_pending_running_done_and_counts_up_in_batches(
    monkeypatch, provider, course, programme_admin, django_capture_on_commit_callbacks
):
    for i in range(5):
        active_enrolment(course, f"l{i}@example.org")
    text = "email,course_id\n" + "".join(f"l{i}@example.org,ML-101\n" for i in range(5))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = completion_import_create(
            provider=provider, csv_file=csv_upload(text), acting_user=programme_admin
        )
    assert len(callbacks) == 1  # the job is sent once the upload is committed
    job.refresh_from_db()
    assert (job.status, job.processed, job.total) == (ImportJob.Status.PENDING, 0, 5)

    seen = []
    real_progress_save = imports.jobs._progress_save

    def watching(job_id):
        real_progress_save(job_id)
        current = ImportJob.objects.get(pk=job_id)
        seen.append((current.status, current.processed))

    monkeypatch.setattr(imports.jobs, "BATCH_SIZE", 2)
    monkeypatch.setattr(imports.jobs, "_progress_save", watching)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_process_task.delay(job.pk)
    assert seen == [("running", 2), ("running", 4), ("running", 5)]
    job.refresh_from_db()
    assert (job.status, job.processed) == (ImportJob.Status.DONE, 5)
    assert Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED).count() == 5


def test_running_the_task_again_changes_nothing(
    provider, course, programme_admin, completions_heard, django_capture_on_commit_callbacks
):
    enrolment = active_enrolment(course, "amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        job = completion_import_create(
            provider=provider,
            csv_file=csv_upload("email,course_id,grade\namina@example.org,ML-101,A\nx@y.org,Z,\n"),
            acting_user=programme_admin,
        )
    first = results_of(job)
    stamps = list(job.rows.order_by("line").values_list("processed_at", flat=True))
    # As if the worker died after its last row but before saying "done": it runs again.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_process_task.delay(job.pk)
        assert import_job_process(job_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert results_of(job) == first
    assert list(job.rows.order_by("line").values_list("processed_at", flat=True)) == stamps
    assert completions_heard == [enrolment.pk]
    assert AuditEvent.objects.filter(action="enrolment.completed").count() == 1


def test_a_rerun_handles_only_the_rows_left_waiting(
    provider, course, programme_admin, django_capture_on_commit_callbacks
):
    for i in range(3):
        active_enrolment(course, f"l{i}@example.org")
    text = "email,course_id\n" + "".join(f"l{i}@example.org,ML-101\n" for i in range(3))
    with django_capture_on_commit_callbacks(execute=False):
        job = completion_import_create(
            provider=provider, csv_file=csv_upload(text), acting_user=programme_admin
        )
    # The first line was handled by a run that then died.
    with django_capture_on_commit_callbacks(execute=True):
        imports.completion_report(
            provider=provider, values={"email": "l0@example.org", "course_id": "ML-101"}, source="t"
        )
    job.rows.filter(line=2).update(
        result="completed", message="completed", processed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_job_process(job_id=job.pk) == 2
    assert [r for r, _m in results_of(job).values()] == ["completed"] * 3


def test_an_import_by_someone_no_longer_an_admin_changes_nothing(
    provider, course, django_capture_on_commit_callbacks
):
    admin = ProgrammeAdminFactory()
    enrolment = active_enrolment(course, "amina@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        job = completion_import_create(
            provider=provider,
            csv_file=csv_upload("email,course_id\namina@example.org,ML-101\n"),
            acting_user=admin,
        )
    admin.role = "learner"
    admin.save(update_fields=["role"])
    import_job_process(job_id=job.pk)
    assert results_of(job) == {2: ("invalid", "uploader_left")}
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_results_page_shows_progress_and_refreshes_itself_while_running(
    client, programme_admin, provider, course, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    active_enrolment(course, "amina@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        job = completion_import_create(
            provider=provider,
            csv_file=csv_upload("email,course_id\namina@example.org,ML-101\nb@x.org,ML-101\n"),
            acting_user=programme_admin,
        )
    url = reverse("programme:completions_job", kwargs={"job_id": job.pk})
    # It refreshes itself only when asked to (a reload takes a screen reader back to the top).
    assert 'http-equiv="refresh"' not in client.get(url).content.decode()
    body = client.get(url + "?auto=1").content.decode()
    assert '<meta http-equiv="refresh" content="5">' in body
    assert "0 of 2 lines handled" in body
    assert "<script" not in body and "style=" not in body
    import_job_process(job_id=job.pk)
    body = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in body
    assert "2 of 2 lines handled" in body


def test_error_report_lists_the_lines_that_need_attention_as_csv(
    client, programme_admin, provider, course, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    active_enrolment(course, "amina@example.org")
    text = (
        "email,course_id,completed_at,grade\n"
        "amina@example.org,ML-101,2025-01-02,A\n"
        "nobody@example.org,ML-101,,\n"
        "=HYPERLINK(1),ML-101,,\n"
    )
    upload_completions(client, provider, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    response = client.get(reverse("programme:completions_errors", kwargs={"job_id": job.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "line",
        "learner_reference",
        "code",
        "email",
        "course_id",
        "completed_at",
        "grade",
        "result",
        "reason",
    ]
    assert [row[0] for row in rows[1:]] == ["3", "4"]
    assert rows[1][7] == "Not found"
    assert rows[1][8].startswith("No active enrolment with this provider")
    assert rows[2][3] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[2][8] == "This is not a valid e-mail address."


def test_upload_page_lists_only_the_admins_own_uploads(client, programme_admin, provider):
    other_admin = ProgrammeAdminFactory()
    mine = ImportJob.objects.create(
        kind=ImportJob.Kind.COMPLETIONS, provider=provider, created_by=programme_admin, total=1
    )
    ImportJob.objects.create(
        kind=ImportJob.Kind.COMPLETIONS, provider=provider, created_by=other_admin, total=1
    )
    client.force_login(programme_admin)
    response = client.get(COMPLETIONS_URL)
    assert response.status_code == 200
    assert [job.pk for job in response.context["jobs"]] == [mine.pk]


def test_another_admin_gets_404_on_an_upload_they_did_not_make(client, provider):
    owner = ProgrammeAdminFactory()
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.COMPLETIONS, provider=provider, created_by=owner, total=0
    )
    other = ProgrammeAdminFactory()
    give_totp(other)
    client.force_login(other)
    assert (
        client.get(reverse("programme:completions_job", kwargs={"job_id": job.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("programme:completions_errors", kwargs={"job_id": job.pk})).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["learner", "reviewer", "coordinator"])
def test_completion_pages_are_404_for_everyone_but_programme_admins(
    client, request, who, provider, programme_admin
):
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.COMPLETIONS, provider=provider, created_by=programme_admin, total=0
    )
    client.force_login(LearnerFactory() if who == "learner" else request.getfixturevalue(who))
    assert client.get(COMPLETIONS_URL).status_code == 404
    response = client.post(
        COMPLETIONS_URL,
        {"provider": provider.pk, "csv_file": csv_upload("email,course_id\na@b.org,X\n")},
    )
    assert response.status_code == 404
    assert ImportJob.objects.count() == 1
    for name in ("programme:completions_job", "programme:completions_errors"):
        assert client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 404


# --- query counts of the results pages ----------------------------------------------------------


def _job_with_rows(kind, n, **job_kwargs):
    job = ImportJob.objects.create(
        kind=kind, total=n, processed=n, status=ImportJob.Status.DONE, **job_kwargs
    )
    course_key = "course_id" if kind == ImportJob.Kind.COMPLETIONS else "course"
    results = (
        ["completed", "not_found", "invalid"]
        if kind == ImportJob.Kind.COMPLETIONS
        else ["enrolled", "not_verified", "invalid"]
    )
    ImportRow.objects.bulk_create(
        ImportRow(
            job=job,
            line=i + 2,
            values={"email": f"p{i}@example.org", course_key: "1"},
            result=results[i % 3],
            message=results[i % 3] if i % 3 != 2 else "invalid_email",
            processed_at=timezone.now(),
        )
        for i in range(n)
    )
    return job


def _same_queries(client, django_assert_num_queries, small_url, large_url):
    client.get(small_url)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(small_url).status_code == 200
    with django_assert_num_queries(len(small_queries.captured_queries)):
        response = client.get(large_url)
    assert response.status_code == 200
    return response


def test_completion_results_page_costs_the_same_queries_for_10_and_200_rows(
    client, programme_admin, provider, django_assert_num_queries
):
    client.force_login(programme_admin)
    kind = ImportJob.Kind.COMPLETIONS
    small = _job_with_rows(kind, 10, provider=provider, created_by=programme_admin)
    large = _job_with_rows(kind, 200, provider=provider, created_by=programme_admin)

    def url(job):
        return reverse("programme:completions_job", kwargs={"job_id": job.pk})

    response = _same_queries(client, django_assert_num_queries, url(small), url(large))
    body = response.content.decode()
    assert "p99@example.org" in body and "p100@example.org" not in body  # 100 a page
    assert "p100@example.org" in client.get(url(large) + "?page=2").content.decode()
    errors = reverse("programme:completions_errors", kwargs={"job_id": large.pk})
    client.get(errors)
    with CaptureQueriesContext(connection) as report_queries:
        report = client.get(errors)
    assert len(report.content.decode().splitlines()) == 1 + 133
    small_errors = reverse("programme:completions_errors", kwargs={"job_id": small.pk})
    with django_assert_num_queries(len(report_queries.captured_queries)):
        client.get(small_errors)


def test_bulk_results_page_costs_the_same_queries_for_10_and_200_rows(
    client, partner, coordinator, django_assert_num_queries
):
    client.force_login(coordinator)
    kind = ImportJob.Kind.BULK_ENROLMENT
    small = _job_with_rows(kind, 10, partner=partner, created_by=coordinator)
    large = _job_with_rows(kind, 200, partner=partner, created_by=coordinator)

    def url(job):
        return reverse("seats:bulk_enrolment_job", kwargs={"slug": partner.slug, "job_id": job.pk})

    response = _same_queries(client, django_assert_num_queries, url(small), url(large))
    counts = {value: count for value, _label, count in response.context["counts"]}
    assert counts["enrolled"] == 67 and counts["not_verified"] == 67 and counts["invalid"] == 66


# --- bulk enrolment -----------------------------------------------------------------------------


def bulk_url(partner):
    return reverse("seats:bulk_enrolment", kwargs={"slug": partner.slug})


def upload_bulk(client, partner, text, capture):
    with capture(execute=True):
        return client.post(bulk_url(partner), {"csv_file": csv_upload(text)})


def test_bulk_enrolment_gives_each_line_its_result(
    client, partner, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    course = voucher_course(partner, seats=1, codes=5)
    second = CourseFactory(provider=course.provider)
    other_partner = PartnerFactory()
    ours = verified_learner(partner, email="ours@example.org")
    also_ours = verified_learner(partner, email="also.ours@example.org")
    verified_learner(other_partner, email="theirs@example.org")
    verified_learner(partner, email="expired@example.org", valid_days=-1)
    LearnerFactory(email="unverified@example.org")
    staff_of(partner, StaffRole.REVIEWER, email="staff@example.org")
    text = (
        "email,course\n"
        f"ours@example.org,{course.pk}\n"
        f"also.ours@example.org,{course.pk}\n"
        f"theirs@example.org,{course.pk}\n"
        f"expired@example.org,{course.pk}\n"
        f"unverified@example.org,{course.pk}\n"
        f"nobody@example.org,{course.pk}\n"
        f"staff@example.org,{course.pk}\n"
        "ours@example.org,999999\n"
        f"OURS@example.org,{course.pk}\n"
        f"not-an-email,{course.pk}\n"
        "ours@example.org,ML-101\n"
        "ours@example.org,\n"
        f"ours@example.org,{second.pk}\n"
    )
    response = upload_bulk(client, partner, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "seats:bulk_enrolment_job", kwargs={"slug": partner.slug, "job_id": job.pk}
    )
    job.refresh_from_db()
    assert (job.kind, job.partner, job.status) == ("bulk_enrolment", partner, "done")
    assert results_of(job) == {
        2: ("enrolled", "enrolled"),
        3: ("waitlisted", "waitlisted"),
        4: ("not_verified", "not_verified"),
        5: ("not_verified", "not_verified"),
        6: ("not_verified", "not_verified"),
        7: ("not_verified", "not_verified"),
        8: ("not_verified", "not_verified"),
        9: ("unknown_course", "unknown_course"),
        10: ("already_enrolled", "already_enrolled"),
        11: ("invalid", "invalid_email"),
        12: ("invalid", "bad_course_number"),
        13: ("invalid", "missing_course"),
        14: ("waitlisted", "waitlisted"),
    }
    enrolled = Enrolment.objects.get(learner=ours, course=course)
    assert enrolled.partner == partner and enrolled.status == EnrolmentStatus.ACTIVE
    assert Enrolment.objects.get(learner=also_ours).status == EnrolmentStatus.WAITLISTED
    assert not Enrolment.objects.filter(learner__email="theirs@example.org").exists()
    event = AuditEvent.objects.get(action="enrolment.requested")
    assert event.actor == coordinator and event.partner_id == partner.pk

    page = client.get(response["Location"])
    body = page.content.decode()
    assert "No learner whose current verification is with your organisation" in body
    report = client.get(
        reverse("seats:bulk_enrolment_errors", kwargs={"slug": partner.slug, "job_id": job.pk})
    )
    lines = [row[0] for row in csv.reader(io.StringIO(report.content.decode("utf-8-sig")))]
    assert lines == ["line", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]


def test_a_course_id_column_is_read_as_the_portal_course_number(
    client, partner, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    course = voucher_course(partner)
    learner = verified_learner(partner, email="ours@example.org")
    upload_bulk(
        client,
        partner,
        f"\ufeffEmail,Course_ID\nours@example.org,{course.pk}\n",
        django_capture_on_commit_callbacks,
    )
    assert Enrolment.objects.get(learner=learner).course == course


def test_a_bad_bulk_file_is_refused_and_nothing_stored(
    client, partner, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = upload_bulk(
        client, partner, "email,name\na@b.org,Amina\n", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["csv_file"])
    assert "The first line must name the columns: email,course" in errors
    assert not ImportJob.objects.exists()


def test_bulk_upload_page_lists_the_courses_with_their_numbers_and_recent_uploads(
    client, partner, coordinator
):
    client.force_login(coordinator)
    course = voucher_course(partner, title="Python for everyone")
    elsewhere = CourseFactory(title="Not our provider")
    _job_with_rows(ImportJob.Kind.BULK_ENROLMENT, 3, partner=partner, created_by=coordinator)
    _job_with_rows(ImportJob.Kind.BULK_ENROLMENT, 3, partner=PartnerFactory())
    response = client.get(bulk_url(partner))
    assert response.status_code == 200
    assert list(response.context["courses"]) == [course]
    assert elsewhere.title not in response.content.decode()
    assert len(response.context["jobs"]) == 1


def test_a_bulk_job_whose_coordinator_left_enrols_nobody(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner)
    verified_learner(partner, email="ours@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        job = bulk_enrolment_create(
            partner=partner,
            csv_file=csv_upload(f"email,course\nours@example.org,{course.pk}\n"),
            acting_user=coordinator,
        )
    Membership.objects.filter(user=coordinator).delete()
    coordinator._membership_cache = None
    with django_capture_on_commit_callbacks(execute=True):
        import_job_process(job_id=job.pk)
    assert results_of(job) == {2: ("invalid", "uploader_left")}
    assert not Enrolment.objects.exists()


def test_rerunning_a_bulk_job_enrols_nobody_twice(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=5)
    verified_learner(partner, email="ours@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_enrolment_create(
            partner=partner,
            csv_file=csv_upload(f"email,course\nours@example.org,{course.pk}\n"),
            acting_user=coordinator,
        )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_process_task.delay(job.pk)
    assert Enrolment.objects.count() == 1
    assert results_of(job) == {2: ("enrolled", "enrolled")}
    assert course.provider.allocations.get().used == 1


def test_reconciler_sends_again_a_job_whose_worker_was_lost(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner)
    verified_learner(partner, email="ours@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        job = bulk_enrolment_create(
            partner=partner,
            csv_file=csv_upload(f"email,course\nours@example.org,{course.pk}\n"),
            acting_user=coordinator,
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs_reconcile() == 0  # too recent to be called lost
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs_reconcile() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Enrolment.objects.count() == 1


# --- scoping of the bulk pages ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_coordinator", "reviewer", "programme_admin", "learner"])
def test_bulk_pages_are_404_for_anyone_but_the_partners_coordinators(
    client, request, partner, coordinator, who, django_capture_on_commit_callbacks
):
    job = _job_with_rows(ImportJob.Kind.BULK_ENROLMENT, 2, partner=partner, created_by=coordinator)
    if who == "other_coordinator":
        user = staff_of(PartnerFactory(), StaffRole.COORDINATOR)
    elif who == "learner":
        user = LearnerFactory()
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    kwargs = {"slug": partner.slug, "job_id": job.pk}
    assert client.get(bulk_url(partner)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            bulk_url(partner), {"csv_file": csv_upload("email,course\na@b.org,1\n")}
        )
    assert response.status_code == 404
    assert ImportJob.objects.count() == 1
    assert client.get(reverse("seats:bulk_enrolment_job", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("seats:bulk_enrolment_errors", kwargs=kwargs)).status_code == 404


def test_a_coordinator_of_b_cannot_open_as_job_under_their_own_slug(client, partner, coordinator):
    job = _job_with_rows(ImportJob.Kind.BULK_ENROLMENT, 2, partner=partner, created_by=coordinator)
    other = PartnerFactory()
    client.force_login(staff_of(other, StaffRole.COORDINATOR))
    url = reverse("seats:bulk_enrolment_job", kwargs={"slug": other.slug, "job_id": job.pk})
    assert client.get(url).status_code == 404


def test_any_coordinator_of_the_partner_sees_its_bulk_jobs(client, partner, coordinator):
    job = _job_with_rows(ImportJob.Kind.BULK_ENROLMENT, 2, partner=partner, created_by=coordinator)
    client.force_login(staff_of(partner, StaffRole.COORDINATOR))
    url = reverse("seats:bulk_enrolment_job", kwargs={"slug": partner.slug, "job_id": job.pk})
    assert client.get(url).status_code == 200


def test_a_line_that_meets_a_bug_is_marked_and_the_rest_of_the_file_goes_on(
    monkeypatch, provider, course, programme_admin, django_capture_on_commit_callbacks
):
    active_enrolment(course, "a@example.org")
    active_enrolment(course, "b@example.org")
    real_report = imports.jobs.completion_report

    def flaky(*, values, **kwargs):
        if values["email"] == "a@example.org":
            raise RuntimeError("a bug")
        return real_report(values=values, **kwargs)

    monkeypatch.setattr(imports.jobs, "completion_report", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        job = completion_import_create(
            provider=provider,
            csv_file=csv_upload("email,course_id\na@example.org,ML-101\nb@example.org,ML-101\n"),
            acting_user=programme_admin,
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert results_of(job) == {2: ("invalid", "internal_error"), 3: ("completed", "completed")}
