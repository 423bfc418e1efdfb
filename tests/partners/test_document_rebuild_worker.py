"""The rebuild crosses the broker: a real Celery worker process (Redis, PostgreSQL) renders the
document in its own limited child process and stores only the rebuilt copy."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import DocumentQuarantine, DocumentState, EvidenceDocument
from partners.services.applications import application_submit
from tests.learners.factories import LearnerProfileFactory

from . import hostile_documents as corpus
from .factories import PartnerFactory

WAIT_SECONDS = 60


@pytest.fixture
def worker_uses_test_storage(private_storage_root, monkeypatch):
    """The worker started next stores documents in this test's folder (PRIVATE_MEDIA_ROOT)."""
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(private_storage_root))


@pytest.mark.worker
def test_the_worker_rebuilds_documents_and_the_original_never_reaches_the_store(
    worker_uses_test_storage, celery_worker, private_storage_root
):
    partner = PartnerFactory(countries=["JO"])
    learner = LearnerProfileFactory(country_of_residence="JO").user
    originals = {
        "pdf": corpus.object_stream_pdf(),
        "jpeg": corpus.jpeg_with_html_comment(),
        "png": corpus.huge_dimensions_png(),
    }
    uploads = [
        SimpleUploadedFile(f"card.{kind}", data, content_type="application/octet-stream")
        for kind, data in originals.items()
    ]
    application = application_submit(
        learner=learner,
        partner=partner,
        displacement_status="refugee",
        country_of_residence="JO",
        documents=uploads,
        acting_user=learner,
    )  # committed: the jobs go to Redis, and the worker takes them

    def stored() -> list[bytes]:
        if not private_storage_root.exists():
            return []
        return [p.read_bytes() for p in private_storage_root.rglob("*") if p.is_file()]

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        # At every moment the test can see, no original is in the store.
        for content in stored():
            for original in originals.values():
                assert original not in content
        if not application.documents.filter(state=DocumentState.CHECKING).exists():
            break
        time.sleep(0.1)

    documents = {d.kind: d for d in EvidenceDocument.objects.filter(application=application)}
    by_state = sorted((d.state, d.failure) for d in documents.values())
    assert by_state == [("failed", "unreadable"), ("ready", ""), ("ready", "")], by_state
    assert not DocumentQuarantine.objects.exists()
    with documents["pdf"].file.open("rb") as handle:
        assert corpus.assert_image_only_pdf(handle.read()) == 1
    with documents["jpeg"].file.open("rb") as handle:
        corpus.assert_clean_image(handle.read(), "jpeg")
    assert len(stored()) == 2
