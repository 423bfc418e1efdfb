"""Evidence documents are never stored or served as the learner sent them: each is rebuilt from
its pixels in a limited child process, and only the rebuilt copy reaches the file store.

The rule, tested through the learner's real upload path and the real job: for every hostile
document in the corpus, what ends up stored is a freshly written image-only PDF (or re-encoded
image), or the document is refused with a clear message while the application stays; the
original's bytes are never in the private storage folder; a document being checked cannot be
downloaded by anyone and blocks decisions; the quarantined original is gone after the job.
"""

import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from learners.services.data_rights import learner_account_erase
from partners.documents import (
    MAX_UPLOADS,
    REBUILD_TIMEOUT_SECONDS,
    DocumentRefused,
    rebuild_document,
)
from partners.errors import TransitionNotAllowed
from partners.models import (
    ApplicationStatus,
    DocumentFailure,
    DocumentQuarantine,
    DocumentState,
    EvidenceDocument,
)
from partners.services import documents as document_services
from partners.services.applications import (
    Decision,
    application_decide,
    application_resubmit,
    application_submit,
)
from partners.services.retention import document_purge
from portal.models import AuditEvent
from tests.learners.factories import LearnerProfileFactory

from . import hostile_documents as corpus
from .conftest import staff_of
from .hostile_documents import assert_clean_image, assert_image_only_pdf, jobs_after_commit

pytestmark = pytest.mark.django_db

# name → (builder, declared kind, expected outcome: "rebuilt" or a DocumentFailure)
CORPUS = {
    "escaped-names": (corpus.escaped_names_pdf, "pdf", "rebuilt"),
    "actions-in-object-stream": (corpus.object_stream_pdf, "pdf", "rebuilt"),
    "launch-action": (corpus.launch_action_pdf, "pdf", "rebuilt"),
    "embedded-file": (corpus.embedded_file_pdf, "pdf", "rebuilt"),
    "xfa": (corpus.xfa_pdf, "pdf", "rebuilt"),
    "javascript-in-annotations": (corpus.annotation_javascript_pdf, "pdf", "rebuilt"),
    "flate-bomb": (corpus.flate_bomb_pdf, "pdf", "rebuilt"),
    "huge-image-dimensions": (corpus.huge_image_pdf, "pdf", "rebuilt"),
    "page-count-bomb": (corpus.page_count_bomb_pdf, "pdf", DocumentFailure.TOO_MANY_PAGES),
    "encrypted-no-user-password": (
        lambda: corpus.encrypted_pdf(user_password=""),
        "pdf",
        "rebuilt",
    ),
    "encrypted-with-user-password": (
        lambda: corpus.encrypted_pdf(user_password="secret"),
        "pdf",
        DocumentFailure.PASSWORD,
    ),
    "truncated-pdf": (corpus.truncated_pdf, "pdf", DocumentFailure.UNREADABLE),
    "html-in-jpeg-comment": (corpus.jpeg_with_html_comment, "jpeg", "rebuilt"),
    "jpeg-exif-gps-and-orientation": (corpus.jpeg_with_gps_and_rotation, "jpeg", "rebuilt"),
    "html-after-png-end": (corpus.png_with_trailing_html, "png", "rebuilt"),
    "huge-png-dimensions": (corpus.huge_dimensions_png, "png", DocumentFailure.UNREADABLE),
    "truncated-jpeg": (corpus.truncated_jpeg, "jpeg", DocumentFailure.UNREADABLE),
}
MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


@pytest.fixture
def learner_client(client, partner):
    profile = LearnerProfileFactory(country_of_residence="JO")
    client.force_login(profile.user)
    client.learner = profile.user
    return client


def upload(data: bytes, kind: str, name: str = "my-card"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[kind]
    return SimpleUploadedFile(f"{name}.{extension}", data, content_type=MIME[kind])


def apply(client, partner, files, **fields):
    data = {"displacement_status": "refugee", "note": "My answers stay.", **fields}
    data["documents"] = files
    return client.post(reverse("learners:apply", args=[partner.slug]), data)


def stored_files(root) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_original_not_stored(root, original: bytes) -> None:
    for name, content in stored_files(root).items():
        # Not the file, nor the file inside another (a copy with a header added).
        assert original not in content, name


# --- the corpus is what it claims to be ---------------------------------------------------------


def test_the_hostile_pdfs_really_carry_what_their_names_say():
    """A reader (pypdf) finds the active parts the names promise, so the tests below prove
    something. Most of them are invisible to a byte scan."""

    def catalog(data):
        return PdfReader(io.BytesIO(data)).trailer["/Root"].get_object()

    escaped = corpus.escaped_names_pdf()
    assert b"/OpenAction" not in escaped and b"/JavaScript" not in escaped
    assert catalog(escaped)["/OpenAction"]["/S"] == "/JavaScript"
    in_stream = corpus.object_stream_pdf()
    assert b"OpenAction" not in in_stream and b"JavaScript" not in in_stream
    assert catalog(in_stream)["/OpenAction"].get_object()["/S"] == "/JavaScript"
    assert catalog(corpus.launch_action_pdf())["/OpenAction"]["/S"] == "/Launch"
    assert "/EmbeddedFiles" in catalog(corpus.embedded_file_pdf())["/Names"]
    assert "/XFA" in catalog(corpus.xfa_pdf())["/AcroForm"]
    page = PdfReader(io.BytesIO(corpus.annotation_javascript_pdf())).pages[0]
    assert [a.get_object()["/Subtype"] for a in page["/Annots"]] == ["/Link", "/Widget"]
    assert len(PdfReader(io.BytesIO(corpus.page_count_bomb_pdf())).pages) == 10_000
    assert PdfReader(io.BytesIO(corpus.encrypted_pdf(user_password="secret"))).is_encrypted
    for builder in CORPUS.values():
        assert len(builder[0]()) < 5 * 1024 * 1024


# --- every hostile document, through the learner's upload and the job --------------------------


@pytest.mark.parametrize("case", list(CORPUS), ids=list(CORPUS))
def test_hostile_document_is_rebuilt_from_pixels_or_refused_and_the_application_stays(
    case, learner_client, partner, private_storage_root
):
    build, kind, expected = CORPUS[case]
    original = build()
    with jobs_after_commit():
        response = apply(learner_client, partner, [upload(original, kind)])
        # The upload is accepted at once (only its size and type are checked here); the
        # document waits, encrypted in the database, while nothing of it is in the file store.
        assert response.status_code == 302
        document = EvidenceDocument.objects.get()
        assert document.state == DocumentState.CHECKING
        assert not document.file
        quarantined = DocumentQuarantine.objects.get(document=document)
        assert original not in bytes(quarantined.payload)  # encrypted
        assert stored_files(private_storage_root) == {}
    # After commit the job ran.
    document.refresh_from_db()
    assert not DocumentQuarantine.objects.exists()
    application = document.application
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.note == "My answers stay."
    assert_original_not_stored(private_storage_root, original)
    files = stored_files(private_storage_root)
    if expected == "rebuilt":
        assert document.state == DocumentState.READY, document.failure
        assert list(files) == [document.file.name]
        rebuilt = files[document.file.name]
        assert document.size == len(rebuilt) <= 5 * 1024 * 1024
        if kind == "pdf":
            assert document.kind == "pdf"
            assert assert_image_only_pdf(rebuilt) == 1
        else:
            assert document.kind == kind
            image = assert_clean_image(rebuilt, kind)
            if case == "jpeg-exif-gps-and-orientation":
                assert image.size == (40, 80)  # turned upright before the EXIF was dropped
        assert AuditEvent.objects.filter(action="document.rebuilt").count() == 1
    else:
        assert document.state == DocumentState.FAILED
        assert document.failure == expected
        assert not document.file
        assert files == {}
        assert AuditEvent.objects.filter(action="document.refused").count() == 1
        page = learner_client.get(reverse("learners:dashboard")).content.decode()
        assert str(document.failure_message) in page
        assert reverse("learners:document_download", args=[document.pk]) not in page


def test_the_unreadable_message_says_what_to_do_and_is_translated(learner_client, partner):
    with jobs_after_commit():
        apply(learner_client, partner, [upload(corpus.truncated_pdf(), "pdf")])
    page = learner_client.get(reverse("learners:dashboard")).content.decode()
    assert "We could not read this file. Please upload a photo of the document or another PDF." in (
        page
    )
    assert "Add a document" in page


def test_a_learner_replaces_a_document_that_could_not_be_read_and_keeps_the_rest(
    learner_client, partner, private_storage_root
):
    with jobs_after_commit():
        apply(
            learner_client,
            partner,
            [upload(corpus.truncated_pdf(), "pdf"), upload(corpus.launch_action_pdf(), "pdf")],
            case_number="UNHCR-123-456",
        )
    application = learner_client.learner.applications.get()
    states = sorted(application.documents.values_list("state", flat=True))
    assert states == [DocumentState.FAILED, DocumentState.READY]
    add_url = reverse("learners:documents_add", args=[application.pk])
    assert learner_client.get(add_url).status_code == 200
    with jobs_after_commit():
        response = learner_client.post(
            add_url, {"documents": [upload(corpus.jpeg_with_html_comment(), "jpeg")]}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.note == "My answers stay."
    assert application.case_number_hash
    assert application.documents.filter(state=DocumentState.READY).count() == 2
    assert AuditEvent.objects.filter(action="application.documents_added").count() == 1
    # A failed document does not count toward the three allowed: two more fit, not three.
    too_many = [upload(corpus.jpeg_with_html_comment(), "jpeg") for _ in range(2)]
    html = learner_client.post(add_url, {"documents": too_many}).content.decode()
    assert "You already have 2 of the 3 documents allowed" in html


def test_another_learner_cannot_add_documents_to_an_application(client, learner_client, partner):
    with jobs_after_commit():
        apply(learner_client, partner, [])
    application = learner_client.learner.applications.get()
    other = LearnerProfileFactory(country_of_residence="JO").user
    client.force_login(other)
    url = reverse("learners:documents_add", args=[application.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"documents": [upload(corpus.simple_pdf(), "pdf")]}).status_code == 404
    assert not EvidenceDocument.objects.exists()


# --- never the original, never before it is rebuilt ---------------------------------------------


def test_the_original_bytes_never_reach_the_private_store(
    learner_client, partner, private_storage_root, monkeypatch
):
    """Watch every write to the store, and the folder before, during and after the job."""
    originals = [corpus.escaped_names_pdf(), corpus.png_with_trailing_html()]
    storage = EvidenceDocument.file.field.storage
    written: list[bytes] = []
    real_save = storage._save

    def watching_save(name, content):
        content.seek(0)
        data = content.read()
        content.seek(0)
        written.append(data)
        # At the moment of every write, the folder holds no original either.
        for original in originals:
            assert_original_not_stored(private_storage_root, original)
        return real_save(name, content)

    monkeypatch.setattr(storage, "_save", watching_save)
    with jobs_after_commit():
        apply(
            learner_client,
            partner,
            [upload(originals[0], "pdf"), upload(originals[1], "png")],
        )
        assert written == []
        assert stored_files(private_storage_root) == {}
    assert len(written) == 2
    for data in written:
        assert data not in originals
    for original in originals:
        assert_original_not_stored(private_storage_root, original)
    assert len(stored_files(private_storage_root)) == 2


def test_a_document_being_checked_cannot_be_downloaded_and_blocks_verification(
    client, learner_client, partner, private_storage_root
):
    reviewer = staff_of(partner)
    apply(learner_client, partner, [upload(corpus.escaped_names_pdf(), "pdf")])  # no commit
    document = EvidenceDocument.objects.get()
    application = document.application
    assert document.state == DocumentState.CHECKING
    # The learner: "being checked", no link, download 404.
    page = learner_client.get(reverse("learners:dashboard")).content.decode()
    assert "Being checked" in page
    learner_url = reverse("learners:document_download", args=[document.pk])
    assert learner_url not in page
    assert learner_client.get(learner_url).status_code == 404
    # The reviewer: marked pending in the queue and on the page, no link, no decision forms.
    client.force_login(reviewer)
    queue = client.get(reverse("partners:queue", args=[partner.slug])).content.decode()
    assert "1 document being checked" in queue
    detail = client.get(
        reverse("partners:application", args=[partner.slug, application.pk])
    ).content.decode()
    staff_url = reverse("partners:document_download", args=[partner.slug, document.pk])
    assert staff_url not in detail
    assert "Being checked" in detail
    assert 'value="approve"' not in detail
    # Asking for more information and not verifying stay on the page.
    assert 'value="request_info"' in detail
    assert 'value="reject"' in detail
    assert client.get(staff_url).status_code == 404
    with pytest.raises(TransitionNotAllowed) as refused:
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert refused.value.code == "documents_checking"
    response = client.post(
        reverse("partners:decide", args=[partner.slug, application.pk]), {"decision": "approve"}
    )
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # Once rebuilt, the reviewer downloads the rebuilt copy and may decide.
    assert document_services.document_rebuild(document_id=document.pk) is True
    response = client.get(staff_url)
    assert response.status_code == 200
    assert_image_only_pdf(b"".join(response.streaming_content))
    application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)


@pytest.mark.parametrize(
    ("decision", "fields", "status"),
    [
        (Decision.REJECT, {"reason": "not_eligible"}, ApplicationStatus.REJECTED),
        (
            Decision.REQUEST_INFO,
            {"message": "Please send your registration card."},
            ApplicationStatus.INFO_REQUESTED,
        ),
    ],
)
def test_uploading_cannot_hold_off_a_rejection_or_a_request_for_information(
    client, learner_client, partner, decision, fields, status
):
    """Only verification waits for documents being checked: a learner who keeps uploading
    cannot stop the reviewer from not verifying them or asking them for something else."""
    reviewer = staff_of(partner)
    apply(learner_client, partner, [upload(corpus.escaped_names_pdf(), "pdf")])  # no commit
    application = learner_client.learner.applications.get()
    add_url = reverse("learners:documents_add", args=[application.pk])
    response = learner_client.post(add_url, {"documents": [upload(corpus.simple_pdf(), "pdf")]})
    assert response.status_code == 302
    assert application.documents.filter(state=DocumentState.CHECKING).count() == 2
    client.force_login(reviewer)
    response = client.post(
        reverse("partners:decide", args=[partner.slug, application.pk]),
        {"decision": decision, **fields},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == status
    # The documents' jobs still settle them afterwards.
    for document in application.documents.all():
        assert document_services.document_rebuild(document_id=document.pk) is True
    assert not DocumentQuarantine.objects.exists()


def test_a_failed_document_does_not_block_the_decision(learner_client, partner):
    reviewer = staff_of(partner)
    with jobs_after_commit():
        apply(learner_client, partner, [upload(corpus.truncated_jpeg(), "jpeg")])
    application = learner_client.learner.applications.get()
    application_decide(
        application=application,
        decision=Decision.REQUEST_INFO,
        acting_user=reviewer,
        message="We could not open your photo; please send another.",
    )


# --- the job: idempotent, limited, reconciled -----------------------------------------------------


def submit_directly(partner, data: bytes, kind: str = "pdf"):
    learner = LearnerProfileFactory(country_of_residence="JO").user
    application = application_submit(
        learner=learner,
        partner=partner,
        displacement_status="refugee",
        country_of_residence="JO",
        documents=[upload(data, kind)],
        acting_user=learner,
    )
    return application.documents.get()


def test_the_rebuild_is_idempotent_and_a_second_run_changes_nothing(partner, private_storage_root):
    document = submit_directly(partner, corpus.launch_action_pdf())
    assert document_services.document_rebuild(document_id=document.pk) is True
    document.refresh_from_db()
    first = document.file.name
    assert document_services.document_rebuild(document_id=document.pk) is False
    document.refresh_from_db()
    assert document.file.name == first
    assert list(stored_files(private_storage_root)) == [first]
    assert AuditEvent.objects.filter(action="document.rebuilt").count() == 1


def test_a_bomb_that_passes_the_memory_limit_kills_the_child_not_the_worker(monkeypatch):
    monkeypatch.setenv("REBUILD_MEMORY_BYTES", str(150 * 1024 * 1024))
    started = time.monotonic()
    with pytest.raises(DocumentRefused) as refused:
        rebuild_document(corpus.flate_bomb_pdf(), "pdf")
    assert refused.value.reason == DocumentFailure.UNREADABLE
    assert time.monotonic() - started < REBUILD_TIMEOUT_SECONDS
    # This process (the worker) is alive and the next document is rebuilt normally.
    monkeypatch.delenv("REBUILD_MEMORY_BYTES")
    assert_image_only_pdf(rebuild_document(corpus.simple_pdf(), "pdf").data)


def test_a_flate_bomb_past_the_default_memory_limit_is_refused_and_the_worker_lives_on():
    """1.5 MB of Flate inflating to 1.5 GB: past the child's 1 GiB address space."""
    with pytest.raises(DocumentRefused) as refused:
        rebuild_document(corpus.flate_bomb_pdf(megabytes=1500), "pdf")
    assert refused.value.reason == DocumentFailure.UNREADABLE
    assert_image_only_pdf(rebuild_document(corpus.simple_pdf(), "pdf").data)


def test_the_child_is_killed_when_it_uses_up_its_cpu_time():
    """Three million tiny shapes on one page: cheap to send, costly to draw."""
    import signal
    import subprocess
    import sys

    from partners import rebuild_child

    page = corpus.pdf_document(
        {
            1: b"<</Type /Catalog /Pages 2 0 R>>",
            2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
            3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R>>",
            4: corpus.stream(b"", b"1 1 1 1 re f " * 3_000_000, flate=True),
        }
    )
    result = subprocess.run(
        [sys.executable, "-I", rebuild_child.__file__, "pdf"],
        input=page,
        capture_output=True,
        env={"REBUILD_CPU_SECONDS": "1", "REBUILD_MEMORY_BYTES": str(4 * 1024**3)},
        timeout=30,
        check=False,
    )
    assert result.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    assert result.stdout == b""


def test_a_rebuild_past_its_wall_clock_limit_is_killed_and_refused():
    started = time.monotonic()
    with pytest.raises(DocumentRefused) as refused:
        rebuild_document(corpus.flate_bomb_pdf(), "pdf", timeout=0.3)
    assert refused.value.reason == DocumentFailure.UNREADABLE
    assert time.monotonic() - started < 5


def test_a_page_of_any_size_is_rendered_at_a_bounded_number_of_pixels():
    # A 200 x 200 inch page: at 150 dpi it would be 900 megapixels.
    huge = corpus.pdf_document(
        {
            1: b"<</Type /Catalog /Pages 2 0 R>>",
            2: b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
            3: b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R>>",
            4: corpus.stream(b"", corpus.PAGE_CONTENT),
        }
    )
    rebuilt = rebuild_document(huge, "pdf").data
    assert_image_only_pdf(rebuilt)
    image = PdfReader(io.BytesIO(rebuilt)).pages[0]["/Resources"]["/XObject"]["/image"]
    assert image["/Width"] * image["/Height"] <= 4_000_000


def test_a_phone_scan_of_several_pages_stays_under_the_upload_limit():
    pages = 12
    kids = b" ".join(b"%d 0 R" % (10 + i) for i in range(pages))
    objects = {
        1: b"<</Type /Catalog /Pages 2 0 R>>",
        2: b"<</Type /Pages /Kids [" + kids + b"] /Count %d>>" % pages,
    }
    for i in range(pages):
        # Noise-like content compresses badly: many small rectangles of changing colours.
        ops = b" ".join(
            b"%.2f %.2f %.2f rg %d %d 9 9 re f" % ((x * 7 % 10) / 10, (y % 10) / 10, 0.5, x, y)
            for x in range(0, 600, 12)
            for y in range(0, 780, 12)
        )
        objects[10 + i] = (
            b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R>>" % (500 + i)
        )
        objects[500 + i] = corpus.stream(b"", ops, flate=True)
    rebuilt = rebuild_document(corpus.pdf_document(objects), "pdf").data
    assert assert_image_only_pdf(rebuilt) == pages
    assert len(rebuilt) <= 5 * 1024 * 1024


def _lease_runs_out(document) -> None:
    """Move the document's lease (and upload) into the past, as if time had passed."""
    past = document_services.REBUILD_LEASE + timedelta(seconds=1)
    EvidenceDocument.objects.filter(pk=document.pk).update(
        uploaded_at=F("uploaded_at") - past, rebuild_queued_at=F("rebuild_queued_at") - past
    )


def test_the_reconciler_sends_again_a_document_whose_job_was_lost(partner, settings):
    document = submit_directly(partner, corpus.xfa_pdf())  # the on-commit job never ran
    assert document.rebuild_queued_at is not None
    assert document_services.documents_to_reconcile() == []  # not yet: it may still be running
    _lease_runs_out(document)
    assert document_services.documents_to_reconcile() == [document.pk]
    with jobs_after_commit():
        assert document_services.documents_rebuild_reconcile() == 1
    document.refresh_from_db()
    assert document.state == DocumentState.READY
    assert not DocumentQuarantine.objects.exists()
    assert document_services.documents_to_reconcile() == []
    assert "documents-rebuild-reconcile" in settings.CELERY_BEAT_SCHEDULE


def test_the_reconciler_sends_a_document_again_only_once_its_lease_runs_out(partner, monkeypatch):
    """Every run of the reconciler (every 5 minutes) within the lease sends nothing; once the
    lease runs out, the job is sent once and a new lease starts."""
    sent: list[int] = []
    monkeypatch.setattr(document_services, "_enqueue_rebuild", sent.append)
    document = submit_directly(partner, corpus.xfa_pdf())
    sent.clear()  # the job of the upload itself (lost)
    for _ in range(3):
        assert document_services.documents_rebuild_reconcile() == 0
    assert sent == []
    _lease_runs_out(document)
    assert document_services.documents_rebuild_reconcile() == 1
    assert sent == [document.pk]
    document.refresh_from_db()
    assert timezone.now() - document.rebuild_queued_at < timedelta(minutes=1)
    # The job is lost again: nothing is sent until the new lease runs out too.
    assert document_services.documents_rebuild_reconcile() == 0
    assert sent == [document.pk]
    _lease_runs_out(document)
    assert document_services.documents_rebuild_reconcile() == 1
    assert sent == [document.pk, document.pk]


def test_a_document_stored_before_the_lease_existed_is_reconciled_by_its_upload_time(partner):
    document = submit_directly(partner, corpus.xfa_pdf())
    EvidenceDocument.objects.filter(pk=document.pk).update(rebuild_queued_at=None)
    assert document_services.documents_to_reconcile() == []
    _lease_runs_out(document)
    assert document_services.documents_to_reconcile() == [document.pk]


# --- no end of uploads --------------------------------------------------------------------------


def test_an_application_takes_at_most_ten_files_in_all_failed_ones_included(
    learner_client, partner, private_storage_root
):
    """Failed documents do not count toward the 3 kept, but every file costs a rebuild: one
    application receives at most MAX_UPLOADS files, whatever became of them."""
    assert MAX_UPLOADS == 10
    with jobs_after_commit():
        apply(learner_client, partner, [upload(corpus.truncated_pdf(), "pdf")])
    application = learner_client.learner.applications.get()
    assert application.documents.get().state == DocumentState.FAILED
    add_url = reverse("learners:documents_add", args=[application.pk])
    for _ in range(4):  # four more rounds of two unreadable files
        with jobs_after_commit():
            response = learner_client.post(
                add_url,
                {"documents": [upload(corpus.truncated_jpeg(), "jpeg") for _ in range(2)]},
            )
        assert response.status_code == 302
    assert application.documents.filter(state=DocumentState.FAILED).count() == 9
    # Two more would make 11: refused, nothing stored or queued.
    html = learner_client.post(
        add_url, {"documents": [upload(corpus.simple_pdf(), "pdf") for _ in range(2)]}
    ).content.decode()
    assert "One application can receive at most 10 files in all" in html
    assert "Please choose at most 1 more." in html
    assert application.documents.count() == 9
    with jobs_after_commit():
        response = learner_client.post(add_url, {"documents": [upload(corpus.simple_pdf(), "pdf")]})
    assert response.status_code == 302
    assert application.documents.filter(state=DocumentState.READY).count() == 1
    html = learner_client.post(
        add_url, {"documents": [upload(corpus.simple_pdf(), "pdf")]}
    ).content.decode()
    assert "This application has received the most files it can take (10" in html
    assert application.documents.count() == 10
    assert not DocumentQuarantine.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED  # the application stays


def test_the_upload_limit_holds_when_answering_a_request_for_information(partner):
    """The same rule on the other way in (application_resubmit), at the service."""
    learner = LearnerProfileFactory(country_of_residence="JO").user
    application = application_submit(
        learner=learner,
        partner=partner,
        displacement_status="refugee",
        country_of_residence="JO",
        acting_user=learner,
    )
    EvidenceDocument.objects.bulk_create(
        EvidenceDocument(
            application=application,
            kind="pdf",
            size=1,
            state=DocumentState.FAILED,
            failure=DocumentFailure.UNREADABLE,
        )
        for _ in range(MAX_UPLOADS)
    )
    application_decide(
        application=application,
        decision=Decision.REQUEST_INFO,
        acting_user=staff_of(partner),
        message="Please send your card.",
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        application_resubmit(
            application=application,
            acting_user=learner,
            displacement_status="refugee",
            case_number=None,
            note="",
            documents=[upload(corpus.simple_pdf(), "pdf")],
        )
    assert refused.value.code == "too_many_uploads"
    # Without new files, the answer goes through.
    application_resubmit(
        application=application,
        acting_user=learner,
        displacement_status="refugee",
        case_number=None,
        note="Here is my answer.",
    )


# --- the rebuild runs on its own queue ------------------------------------------------------------


def test_rebuilds_go_to_the_documents_queue_and_sign_in_codes_do_not(settings):
    from config.celery import app

    router = app.amqp.Router()
    rebuild = router.route({}, "partners.tasks.document_rebuild_task", (1,))
    assert rebuild["queue"].name == settings.CELERY_DOCUMENTS_QUEUE == "documents"
    for name in ("portal.tasks.email_send_task", "portal.tasks.account_notice_task"):
        assert router.route({}, name)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_DOCUMENTS_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    # The Procfile runs a worker for each queue, and the default worker not the documents one.
    procfile = dict(
        line.split(": ", 1)
        for line in (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
        if line
    )
    assert "-Q ${CELERY_DOCUMENTS_QUEUE:-documents}" in procfile["documents"]
    assert "-Q ${CELERY_QUEUE:-portal}" in procfile["worker"]


# --- the original is gone whatever happens ------------------------------------------------------


def test_the_retention_purge_deletes_a_quarantined_original(partner):
    document = submit_directly(partner, corpus.escaped_names_pdf())
    assert DocumentQuarantine.objects.filter(document=document).exists()
    assert document_purge(document_id=document.pk) is True
    assert not DocumentQuarantine.objects.exists()
    # A job arriving after the purge does nothing.
    assert document_services.document_rebuild(document_id=document.pk) is False


def test_erasure_deletes_a_quarantined_original_and_a_late_job_stores_nothing(
    partner, private_storage_root
):
    document = submit_directly(partner, corpus.escaped_names_pdf())
    learner = document.application.learner
    with jobs_after_commit():
        learner_account_erase(user=learner, credentials="revoke", acting_user=learner)
    assert not DocumentQuarantine.objects.exists()
    assert not EvidenceDocument.objects.exists()
    assert document_services.document_rebuild(document_id=document.pk) is False
    assert stored_files(private_storage_root) == {}


def test_a_document_erased_while_its_rebuild_runs_leaves_no_file(
    partner, private_storage_root, monkeypatch
):
    document = submit_directly(partner, corpus.launch_action_pdf())
    real = document_services.rebuild_document

    def rebuild_then_erase(data, kind):
        result = real(data, kind)
        EvidenceDocument.objects.filter(pk=document.pk).delete()  # erasure, meanwhile
        return result

    monkeypatch.setattr(document_services, "rebuild_document", rebuild_then_erase)
    with jobs_after_commit():
        assert document_services.document_rebuild(document_id=document.pk) is False
    assert stored_files(private_storage_root) == {}


# --- documents stored before this change ---------------------------------------------------------


def test_documents_stored_before_rebuilding_are_rebuilt_by_the_command(
    partner, private_storage_root, capsys
):
    """What the migration leaves: `checking` documents whose file is the learner's original.
    Nobody can download them; the command replaces each with its rebuilt copy."""
    application = submit_directly(partner, corpus.simple_pdf()).application
    EvidenceDocument.objects.all().delete()
    legacy = []
    for data in (corpus.annotation_javascript_pdf(), b"%PDF-1.4 not really"):
        document = EvidenceDocument(application=application, kind="pdf", size=len(data))
        document.file.save("evidence", ContentFile(data), save=False)
        document.state = DocumentState.CHECKING  # what migration 0002 sets
        document.save()
        legacy.append((document, data))
    assert len(stored_files(private_storage_root)) == 2
    reviewer = staff_of(partner)
    from django.test import Client

    staff = Client()
    staff.force_login(reviewer)
    url = reverse("partners:document_download", args=[partner.slug, legacy[0][0].pk])
    assert staff.get(url).status_code == 404

    with jobs_after_commit():
        call_command("documents_rebuild")
    assert "Documents rebuilt: 1; could not be read (learner told): 1" in capsys.readouterr().out

    (good, good_original), (bad, bad_original) = legacy
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == DocumentState.READY and bad.state == DocumentState.FAILED
    files = stored_files(private_storage_root)
    assert list(files) == [good.file.name]  # both originals deleted
    assert_image_only_pdf(files[good.file.name])
    for original in (good_original, bad_original):
        assert_original_not_stored(private_storage_root, original)
    response = staff.get(url)
    assert response.status_code == 200
    assert_image_only_pdf(b"".join(response.streaming_content))


def test_the_migration_hides_documents_stored_before_it():
    """Migration 0002 gives every existing document the `checking` state (the field's default),
    except purged ones, which have no file left."""
    from importlib import import_module

    migration = import_module("partners.migrations.0002_evidence_documents_rebuilt")
    state_field = next(
        op.field
        for op in migration.Migration.operations
        if getattr(op, "name", "") == "state" and hasattr(op, "field")
    )
    assert state_field.default == DocumentState.CHECKING
    assert EvidenceDocument._meta.get_field("state").default == DocumentState.CHECKING
