"""Applying to a partner, answering a request for information, withdrawing, and documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL.PngImagePlugin import PngInfo

from partners.documents import MAX_DOCUMENT_BYTES
from partners.models import Application, ApplicationStatus, EvidenceDocument
from partners.services.applications import case_number_reveal
from portal.models import AuditEvent
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.partners.hostile_documents import (
    assert_clean_image,
    assert_image_only_pdf,
    jobs_after_commit,
)

from .factories import PDF_BYTES, LearnerProfileFactory, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage_dir")]

DASHBOARD_URL = reverse("learners:dashboard")


@pytest.fixture
def partner():
    return PartnerFactory(name="Amman Study Aid", countries=["JO"])


@pytest.fixture
def learner_client(client):
    profile = LearnerProfileFactory(country_of_residence="JO")
    client.force_login(profile.user)
    client.learner = profile.user
    return client


def apply_url(partner):
    return reverse("learners:apply", args=[partner.slug])


def pdf(name="card.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png(name="card.png", data=None):
    return SimpleUploadedFile(name, data or png_bytes(), content_type="image/png")


def submit(client, partner, documents=(), **fields):
    data = {"displacement_status": "refugee", "case_number": "", "note": "", **fields}
    if documents:
        data["documents"] = list(documents)
    # The documents' rebuild job runs after commit, as it does outside tests.
    with jobs_after_commit():
        return client.post(apply_url(partner), data)


# --- the form -----------------------------------------------------------------------------------


def test_application_form_says_why_and_who_will_see_each_item(learner_client, partner):
    html = learner_client.get(apply_url(partner)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "multiple" in html and 'type="file"' in html
    assert html.count("Only the staff of Amman Study Aid will see") == 4
    assert "Refugee" in html and "Asylum seeker" in html


def test_learner_submits_an_application_with_documents(learner_client, partner):
    response = submit(
        learner_client,
        partner,
        documents=[pdf(), png()],
        case_number="ABC-123-456",
        note="I arrived in 2023.",
    )
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    application = Application.objects.get(learner=learner_client.learner)
    assert application.partner == partner
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.country_of_residence.code == "JO"
    assert application.note == "I arrived in 2023."
    assert case_number_reveal(application) == "ABC-123-456"
    assert "ABC" not in application.case_number_encrypted
    kinds = sorted(d.kind for d in application.documents.all())
    assert kinds == ["pdf", "png"]
    page = learner_client.get(DASHBOARD_URL).content.decode()
    assert "Your application was sent to Amman Study Aid." in page


def test_application_without_documents_is_accepted(learner_client, partner):
    assert submit(learner_client, partner).status_code == 302
    assert Application.objects.filter(learner=learner_client.learner).exists()


def test_displacement_status_is_required(learner_client, partner):
    response = submit(learner_client, partner, displacement_status="", note="keep me")
    assert response.status_code == 200
    assert "Please choose the situation that describes you best." in response.content.decode()
    assert "keep me" in response.content.decode()
    assert not Application.objects.exists()


def test_note_longer_than_1000_characters_is_refused(learner_client, partner):
    response = submit(learner_client, partner, note="x" * 1001)
    assert response.status_code == 200
    assert "at most 1000 characters" in response.content.decode()
    assert not Application.objects.exists()


# --- hostile uploads ----------------------------------------------------------------------------


def polyglot_png() -> bytes:
    return png_bytes() + b"<html><body><script>alert(1)</script></body></html>"


def png_with_script_in_text_chunk() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    return png_bytes(pnginfo=info)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: SimpleUploadedFile(
                "card.pdf", b"<html><body>hello</body></html>", "application/pdf"
            ),
            "is not a PDF, JPEG or PNG file",
        ),
        (
            lambda: pdf("big.pdf", PDF_BYTES + b"0" * (MAX_DOCUMENT_BYTES + 1 - len(PDF_BYTES))),
            "is larger than 5 MB",
        ),
    ],
    ids=["html-renamed-pdf", "one-byte-over-5mb"],
)
def test_hostile_upload_is_refused_with_a_clear_message(learner_client, partner, upload, message):
    response = submit(learner_client, partner, documents=[upload()], note="kept")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "please choose your documents again" in html
    assert "kept" in html
    assert not Application.objects.exists()
    assert not EvidenceDocument.objects.exists()


@pytest.mark.parametrize(
    "data", [polyglot_png, png_with_script_in_text_chunk], ids=["png-polyglot", "png-text-chunk"]
)
def test_web_page_content_in_an_image_is_not_judged_but_removed_by_the_rebuild(
    learner_client, partner, data
):
    """No scan for active content: the image is rebuilt from its pixels, and what was hidden in
    it (after the end marker, in a text chunk) is simply not there any more."""
    response = submit(learner_client, partner, documents=[png("photo.png", data())])
    assert response.status_code == 302
    document = EvidenceDocument.objects.get()
    assert document.state == "ready"
    with document.file.open("rb") as handle:
        assert_clean_image(handle.read(), "png")


def test_a_file_of_exactly_5_mb_is_accepted(learner_client, partner):
    data = PDF_BYTES[:-7] + b" " * (MAX_DOCUMENT_BYTES - len(PDF_BYTES)) + PDF_BYTES[-7:]
    assert len(data) == MAX_DOCUMENT_BYTES
    assert submit(learner_client, partner, documents=[pdf("big.pdf", data)]).status_code == 302


def test_a_fourth_file_is_refused(learner_client, partner):
    response = submit(learner_client, partner, documents=[pdf("a.pdf"), pdf("b.pdf"), png(), png()])
    assert response.status_code == 200
    assert "You can add at most 3 documents." in response.content.decode()
    assert not Application.objects.exists()


def test_each_bad_file_gets_its_own_message(learner_client, partner):
    bad_one = SimpleUploadedFile("first.pdf", b"not a pdf", "application/pdf")
    bad_two = png("second.png", b"GIF89a" + polyglot_png())
    html = submit(learner_client, partner, documents=[bad_one, pdf(), bad_two]).content.decode()
    assert "“first.pdf” is not a PDF, JPEG or PNG file" in html
    assert "“second.png” is not a PDF, JPEG or PNG file" in html
    assert not EvidenceDocument.objects.exists()


def test_a_file_name_with_path_parts_is_stored_under_a_server_made_name(
    learner_client, partner, private_storage_dir
):
    boundary = "testboundary42"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="displacement_status"\r\n\r\nrefugee\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="documents"; filename="../../evil.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF_BYTES
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with jobs_after_commit():
        response = learner_client.post(
            apply_url(partner), body, content_type=f"multipart/form-data; boundary={boundary}"
        )
    assert response.status_code == 302
    document = EvidenceDocument.objects.get()
    assert document.file.name.startswith("evidence/")
    assert "evil" not in document.file.name
    # Nothing was written anywhere but inside the private storage's evidence folder.
    written = [p for p in private_storage_dir.parent.rglob("*") if p.is_file()]
    assert written == [private_storage_dir / document.file.name]
    # What is stored is the copy rebuilt from the PDF's pixels, never the file that was sent.
    assert_image_only_pdf((private_storage_dir / document.file.name).read_bytes())


def test_image_is_stored_without_its_metadata(learner_client, partner):
    info = PngInfo()
    info.add_text("Location", "31.95N 35.93E")
    submit(learner_client, partner, documents=[png("p.png", png_bytes(pnginfo=info))])
    document = EvidenceDocument.objects.get()
    with document.file.open("rb") as handle:
        assert b"31.95N" not in handle.read()


def test_submitting_a_second_application_is_refused(learner_client, partner):
    assert submit(learner_client, partner).status_code == 302
    response = submit(learner_client, partner)
    assert response.url == DASHBOARD_URL
    assert Application.objects.count() == 1


# --- answering a request for information --------------------------------------------------------


def info_requested(learner, partner, documents=0):
    application = ApplicationFactory(
        learner=learner,
        partner=partner,
        status=ApplicationStatus.INFO_REQUESTED,
        info_request_message="Please send a photo of your registration card.",
        note="First note",
    )
    for _ in range(documents):
        EvidenceDocument.objects.create(application=application, kind="pdf", size=10, state="ready")
    return application


def edit_url(application):
    return reverse("learners:application_edit", args=[application.pk])


def test_learner_sees_the_partners_message_and_resubmits_with_a_document(learner_client, partner):
    application = info_requested(learner_client.learner, partner)
    html = learner_client.get(edit_url(application)).content.decode()
    assert "Please send a photo of your registration card." in html
    assert "First note" in html
    response = learner_client.post(
        edit_url(application),
        {"displacement_status": "asylum_seeker", "note": "Here it is.", "documents": [png()]},
    )
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.displacement_status == "asylum_seeker"
    assert application.note == "Here it is."
    assert application.documents.count() == 1
    assert AuditEvent.objects.filter(action="application.resubmitted").exists()


def test_existing_documents_count_toward_the_limit_of_three(learner_client, partner):
    application = info_requested(learner_client.learner, partner, documents=2)
    response = learner_client.post(
        edit_url(application),
        {"displacement_status": "refugee", "documents": [pdf("a.pdf"), pdf("b.pdf")]},
    )
    assert response.status_code == 200
    assert "You already have 2 of the 3 documents allowed" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.documents.count() == 2


def test_purged_documents_do_not_count_toward_the_limit(learner_client, partner):
    application = info_requested(learner_client.learner, partner, documents=3)
    application.documents.update(purged_at="2026-01-01T00:00:00Z")
    response = learner_client.post(
        edit_url(application), {"displacement_status": "refugee", "documents": [pdf()]}
    )
    assert response.status_code == 302


def test_a_file_that_is_not_a_document_in_an_answer_is_refused_and_nothing_changes(
    learner_client, partner
):
    application = info_requested(learner_client.learner, partner)
    response = learner_client.post(
        edit_url(application),
        {
            "displacement_status": "stateless",
            "documents": [png("x.png", b"<html><script>alert(1)</script></html>")],
        },
    )
    assert response.status_code == 200
    assert "is not a PDF, JPEG or PNG file" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.displacement_status == "refugee"


def test_edit_of_an_application_not_waiting_for_information_redirects_with_a_message(
    learner_client, partner
):
    application = ApplicationFactory(learner=learner_client.learner, partner=partner)
    response = learner_client.get(edit_url(application), follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD_URL
    assert "not waiting for more information" in response.content.decode()


# --- withdrawing --------------------------------------------------------------------------------


def withdraw_url(application):
    return reverse("learners:application_withdraw", args=[application.pk])


def test_withdraw_asks_to_confirm_then_withdraws_on_post(learner_client, partner):
    application = ApplicationFactory(learner=learner_client.learner, partner=partner)
    page = learner_client.get(withdraw_url(application))
    assert page.status_code == 200
    assert "Yes, withdraw it" in page.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    response = learner_client.post(withdraw_url(application))
    assert response.url == DASHBOARD_URL
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_withdrawn_learner_may_apply_again(learner_client, partner):
    application = ApplicationFactory(learner=learner_client.learner, partner=partner)
    learner_client.post(withdraw_url(application))
    assert submit(learner_client, partner).status_code == 302
    assert Application.objects.filter(learner=learner_client.learner).count() == 2


def test_a_decided_application_cannot_be_withdrawn(learner_client, partner):
    application = ApplicationFactory(
        learner=learner_client.learner, partner=partner, status="rejected"
    )
    response = learner_client.post(withdraw_url(application), follow=True)
    assert "Only an application in progress can be withdrawn." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


# --- other learners -----------------------------------------------------------------------------


def test_learner_b_gets_404_for_learner_as_application_and_document(client, partner):
    application = info_requested(LearnerProfileFactory().user, partner)
    document = EvidenceDocument.objects.create(
        application=application, kind="pdf", size=10, state="ready"
    )
    other = LearnerProfileFactory().user
    client.force_login(other)
    assert client.get(edit_url(application)).status_code == 404
    assert client.post(edit_url(application), {"displacement_status": "other"}).status_code == 404
    assert client.get(withdraw_url(application)).status_code == 404
    assert client.post(withdraw_url(application)).status_code == 404
    url = reverse("learners:document_download", args=[document.pk])
    assert client.get(url).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED


# --- downloading one's own document -------------------------------------------------------------


def test_learner_downloads_their_own_document_safely(learner_client, partner):
    submit(learner_client, partner, documents=[pdf("my card.pdf")])
    document = EvidenceDocument.objects.get()
    response = learner_client.get(reverse("learners:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    body = b"".join(response.streaming_content)
    assert body != PDF_BYTES
    assert_image_only_pdf(body)


def test_png_is_downloaded_as_png(learner_client, partner):
    submit(learner_client, partner, documents=[png()])
    document = EvidenceDocument.objects.get()
    response = learner_client.get(reverse("learners:document_download", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].endswith(f'filename="document-{document.pk}.png"')


def test_purged_document_cannot_be_downloaded(learner_client, partner):
    submit(learner_client, partner, documents=[pdf()])
    document = EvidenceDocument.objects.get()
    EvidenceDocument.objects.filter(pk=document.pk).update(purged_at="2026-01-01T00:00:00Z")
    url = reverse("learners:document_download", args=[document.pk])
    assert learner_client.get(url).status_code == 404
