"""The certificate in the learner's language and sharing from a phone, in a real browser.

A learner who reads Arabic opens their credentials page on a phone, downloads the certificate in
Arabic and in English, finds the WhatsApp link (its address is checked, not followed: it would
leave for wa.me), and opens the public page, which says in Arabic, in plain words, what was
checked, with the technical terms in a details block that opens without JavaScript.
"""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from credentials.models import EnrolmentStatus
from credentials.services.issuance import credential_issue
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import PartnerFactory
from tests.portal.factories import LearnerFactory

from .helpers import ARABIC, exactly, expect_page_in, signed_in_context, tr, url_is
from .test_accessibility import check, in_language

pytestmark = pytest.mark.browser

COURSE = "Data analysis with spreadsheets"
PROVIDER = "Open Courses"
PROGRAMME = "Open Learning Programme"
NAME = "نور الهدى"


@pytest.fixture
def world(db, settings, live_server):
    settings.SITE_URL = live_server.url
    settings.PROGRAMME_NAME = PROGRAMME
    learner = LearnerFactory(email="nour@example.org", language=ARABIC)
    LearnerProfileFactory(user=learner, display_name=NAME)
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(provider=ProviderFactory(name=PROVIDER), title=COURSE),
        partner=PartnerFactory(name="Amman Study Aid"),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    return {"learner": learner, "credential": credential_issue(enrolment_id=enrolment.pk)}


def certificate_link_name(language: str) -> str:
    """The certificate link for `language`, as an Arabic page names it."""
    with translation.override(ARABIC):
        name = translation.get_language_info(language)["name_translated"]
        return gettext("Download the certificate (PDF, %(language)s)") % {"language": name}


def test_arabic_learner_gets_the_certificate_in_arabic_and_english_and_shares_it(
    new_context, live_server, world
):
    ar = ARABIC
    credential = world["credential"]
    verify_url = f"{live_server.url}/verify/{credential.code}/"
    context = signed_in_context(new_context(locale="ar"), live_server, world["learner"])
    page = context.new_page()
    page.goto(live_server.url + "/learn/credentials/")
    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name=exactly(COURSE))).to_be_visible()

    # Two certificates: in Arabic (the learner's language) and in English.
    pdfs = {}
    for language in ("ar", "en"):
        link = main.get_by_role("link", name=exactly(certificate_link_name(language)))
        expect(link).to_be_visible()
        with page.expect_download() as download:
            link.click()
        pdfs[language] = open(download.value.path(), "rb").read()  # noqa: SIM115 — read once
        assert download.value.suggested_filename == (
            f"certificate-{credential.code[:8]}-{language}.pdf"
        )
        # The same address as the browser fetched it: a PDF, in that language.
        response = context.request.get(live_server.url + link.get_attribute("href"))
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-language"] == language
        assert response.body().startswith(b"%PDF-")
    assert pdfs["ar"] != pdfs["en"]
    for language, pdf in pdfs.items():
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert tr("Certificate of completion", language) in text
        assert NAME.split()[0] in text
    assert (
        "Certificate of completion" not in PdfReader(io.BytesIO(pdfs["ar"])).pages[0].extract_text()
    )

    # The WhatsApp link: the text in Arabic, ending with the public page's address (not
    # followed: it would leave for wa.me).
    whatsapp = main.get_by_role("link", name=exactly(tr("Share on WhatsApp", ar)))
    expect(whatsapp).to_be_visible()
    expect(whatsapp).to_have_attribute("rel", "noopener noreferrer")
    whatsapp_href = whatsapp.get_attribute("href")
    href = urlsplit(whatsapp_href)
    assert (href.scheme, href.netloc, href.path) == ("https", "wa.me", "/")
    (text,) = parse_qs(href.query)["text"]
    assert text.endswith(verify_url)
    with translation.override(ar):
        assert text == gettext(
            "Certificate of completion for the course “%(course)s” (%(provider)s), issued by "
            "%(issuer)s. Anyone can check it here: %(url)s"
        ) % {"course": COURSE, "provider": PROVIDER, "issuer": PROGRAMME, "url": verify_url}
    assert NAME not in text
    for name in ("Send by SMS", "Send by e-mail", "Add to LinkedIn"):
        expect(main.get_by_role("link", name=exactly(tr(name, ar)))).to_be_visible()

    # The public page, in Arabic: what was checked, in plain words.
    main.get_by_role("link", name=exactly(tr("Open the public page", ar))).click()
    expect(page).to_have_url(url_is(live_server, f"/verify/{credential.code}/"))
    expect_page_in(page, ar)
    checks = page.get_by_role("main").locator("#checks li")
    expect(checks).to_have_count(3)
    # (Each line starts with a ✓ hidden from screen readers.)
    expect(checks.nth(0)).to_contain_text(
        tr(
            "Checked: the signature is intact. Nothing in the credential was changed after it "
            "was signed.",
            ar,
        )
    )
    expect(checks.nth(1)).to_contain_text(PROGRAMME)
    expect(checks.nth(1)).to_contain_text("did:")
    expect(checks.nth(2)).to_contain_text(tr("Checked: not revoked.", ar))
    expect(page.get_by_role("main")).to_contain_text(
        tr("Signed by %(issuer)s", ar) % {"issuer": PROGRAMME}
    )
    # The technical terms stay folded away until asked for, and open without a script.
    details = page.locator("details#technical-details")
    expect(details.get_by_text("eddsa-rdfc-2022")).to_be_hidden()
    details.locator("summary").click()
    expect(details.get_by_text("eddsa-rdfc-2022")).to_be_visible()
    expect(details).to_contain_text(tr("Revocation list", ar))
    # The page offers the two certificates and the same WhatsApp link.
    for language in ("ar", "en"):
        link = page.get_by_role("link", name=exactly(certificate_link_name(language)))
        expect(link).to_be_visible()
    shared = page.get_by_role("link", name=exactly(tr("Share on WhatsApp", ar)))
    expect(shared).to_have_attribute("href", whatsapp_href)


@pytest.mark.needs_javascript
@pytest.mark.parametrize("language", ["en", ARABIC])
def test_credential_pages_pass_axe_core_with_the_technical_details_open(
    new_context, live_server, world, language
):
    """The full axe walk (test_accessibility) sees the pages as they load; here the share links,
    both certificate links and the opened details block are checked too."""
    axe, found = Axe(), []
    context = signed_in_context(new_context(locale=language), live_server, world["learner"])
    page = in_language(context, live_server, language).new_page()
    page.goto(live_server.url + "/learn/credentials/")
    check(page, axe, f"[{language}] learner: credentials page", found)
    page.goto(f"{live_server.url}/verify/{world['credential'].code}/")
    page.locator("details#technical-details summary").click()
    expect(page.locator("details#technical-details")).to_have_attribute("open", "")
    check(page, axe, f"[{language}] verify page, details open", found)
    assert not found, "\n".join(found)
