"""A learner whose document could not be read sends another one, in Arabic, on a phone-sized
screen (JavaScript off in CI's second run): the page to add documents keeps the application and
its answers, shows why the first file was refused, and the new file is rebuilt and offered back.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from partners.models import ApplicationStatus, DocumentState, EvidenceDocument
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, PartnerFactory

from .helpers import ARABIC, expect_page_in, signed_in_context, tr, url_is
from .test_verification_journeys import pdf

pytestmark = pytest.mark.browser


def unreadable_pdf() -> dict:
    """A PDF cut short after its header, as a broken download leaves it."""
    return {"name": "card.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n1 0 obj\n<<"}


def test_learner_replaces_an_unreadable_document_without_touching_the_application(
    new_context, live_server
):
    profile = LearnerProfileFactory(user__language=ARABIC)
    application = ApplicationFactory(
        learner=profile.user, partner=PartnerFactory(name="Refuge Jordan"), note="My note"
    )
    context = signed_in_context(new_context(locale="ar"), live_server, profile.user)
    page = context.new_page()
    page.goto(f"{live_server.url}/learn/")
    expect_page_in(page, ARABIC)
    page.get_by_role("link", name=tr("Add a document", ARABIC)).click()
    expect(page).to_have_url(url_is(live_server, f"/learn/application/{application.pk}/documents/"))
    expect_page_in(page, ARABIC)

    # A file that cannot be rendered: a clear, translated reason; the application stays.
    page.locator("input[name=documents]").set_input_files(unreadable_pdf())
    page.get_by_role("button", name=tr("Send", ARABIC), exact=True).click()
    page.goto(f"{live_server.url}/learn/")
    with translation.override(ARABIC):
        reason = translation.gettext(
            "We could not read this file. Please upload a photo of the document or another PDF."
        )
    expect(page.get_by_role("alert").filter(has_text=reason)).to_be_visible()
    [failed] = EvidenceDocument.objects.filter(application=application)
    assert failed.state == DocumentState.FAILED and not failed.file

    # Another file: rebuilt, and the learner can download the rebuilt copy.
    page.get_by_role("link", name=tr("Add a document", ARABIC)).click()
    page.locator("input[name=documents]").set_input_files(pdf("card-again.pdf"))
    page.get_by_role("button", name=tr("Send", ARABIC), exact=True).click()
    page.goto(f"{live_server.url}/learn/")
    expect(page.get_by_role("link", name=tr("Download", ARABIC)).first).to_be_visible()
    ready = EvidenceDocument.objects.get(application=application, state=DocumentState.READY)
    assert ready.file

    application.refresh_from_db()
    assert (application.status, application.note) == (ApplicationStatus.SUBMITTED, "My note")
