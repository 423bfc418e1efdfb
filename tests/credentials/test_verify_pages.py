"""The public verification pages (/verify/...): anyone with a link checks a credential, and
learns the display name, the course and who issued it — nothing else about the learner. The
page says what was checked in plain words (the technical terms explained in a details block),
offers the certificate in the learner's language and in English, and links to share it."""

import html as html_module
import io
import json
import re
import secrets
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from pypdf import PdfReader

from credentials import certificates
from credentials.models import Credential, EnrolmentStatus, StatusList
from credentials.services import issuance
from credentials.templatetags.credential_tags import did_short
from credentials.vc.didweb import did_web_document_url
from credentials.vc.statuslist import is_set
from partners.models import DisplacementStatus
from tests.portal.factories import LearnerFactory

from .conftest import CASE_NUMBER, PARTNER_NAME, verified_learner
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .vc_verifier import verify_credentials

pytestmark = pytest.mark.django_db

SITE_URL = "https://learn.example.org"
LEARNER_EMAIL = "amal.haddad@example.org"
LEARNER_NAME = "Amal Haddad"
ARABIC_NAME = "أمل حداد"
COURSE_TITLE = "Introduction to Data Analysis"
PROVIDER_NAME = "Open Code Academy"
# A programme name without "refugee" in it, so the pages can be checked for that word (the
# default programme name has it: the programme's identity, not a fact about the learner).
PROGRAMME_NAME = "Open Learning Programme"
REVOCATION_REASON = "Completion reported in error by the provider"
JSON_LD = "application/ld+json; charset=utf-8"

# What the application knows and no verifier may learn.
DISPLACEMENT_WORDS = ["refugee", "asylum", "displaced", "stateless", "لاجئ"]
NATIONALITY_WORDS = ["Syria", "Jordan", "سوريا", "الأردن"]


@pytest.fixture(autouse=True)
def _programme(settings):
    settings.SITE_URL = SITE_URL
    settings.PROGRAMME_NAME = PROGRAMME_NAME


def issue_credential(
    partner, *, name: str = LEARNER_NAME, email: str = LEARNER_EMAIL, language: str = "en"
):
    """A credential for a learner whose refugee status `partner` verified (application with a
    case number, nationality and displacement status), for a completed course."""
    learner = verified_learner(partner, email=email, name=name, language=language)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        course=CourseFactory(title=COURSE_TITLE, provider=ProviderFactory(name=PROVIDER_NAME)),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    assert credential is not None
    return credential


@pytest.fixture
def credential(partner):
    return issue_credential(partner)


def page_url(code: str) -> str:
    return reverse("verify:credential", args=[code])


def json_url(code: str) -> str:
    return reverse("verify:credential_json", args=[code])


def qr_url(code: str) -> str:
    return reverse("verify:credential_qr", args=[code])


def pdf_url(code: str) -> str:
    return reverse("verify:credential_pdf", args=[code])


def tr(text: str, language: str) -> str:
    """The text as the portal shows it in `language` (English until translated)."""
    with translation.override(language):
        return gettext(text)


def main_of(response) -> str:
    """The page's <main> (the language form in the footer carries a fresh CSRF token)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def state_heading(response) -> str:
    match = re.search(r'<h2[^>]*id="state-heading">(.*?)</h2>', response.content.decode(), re.S)
    assert match, "the page has no status banner"
    # The symbol before the word is decoration, hidden from screen readers: the word says it.
    text = re.sub(r'<span aria-hidden="true">[^<]*</span>', "", match.group(1))
    return re.sub(r"<[^>]+>", "", text).strip()


def without_details(html: str) -> str:
    """The page as it shows before anyone opens its technical details."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def details_of(html: str) -> str:
    match = re.search(r"<details[^>]*>(.*?)</details>", html, re.S)
    assert match, "the page has no technical details block"
    return match.group(1)


def checks_of(response) -> list[str]:
    """The lines of "What was checked", as read (tags and decoration left out)."""
    page = response.content.decode()
    match = re.search(r'id="checks-heading">.*?</section>', page, re.S)
    assert match, "the page has no checks"
    text = re.sub(r'<span aria-hidden="true">[^<]*</span>', "", match.group(0))
    lines = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", text, re.S)
    return [html_module.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in lines]


def hrefs_of(html: str) -> list[str]:
    return [html_module.unescape(href) for href in re.findall(r'href="([^"]*)"', html)]


def anchor_of(html: str, href_start: str) -> str:
    (anchor,) = re.findall(rf'<a [^>]*href="{re.escape(href_start)}[^"]*"[^>]*>', html)
    return anchor


def revoke(credential, programme_admin) -> Credential:
    return issuance.credential_revoke(
        credential=credential, reason=REVOCATION_REASON, acting_user=programme_admin
    )


def tamper(credential) -> None:
    """Change the stored document after signing, as a forger would."""
    document = json.loads(credential.document)
    document["credentialSubject"]["name"] = "Someone Else"
    Credential.objects.filter(pk=credential.pk).update(document=json.dumps(document))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def assert_nothing_private(text: str) -> None:
    lowered = text.lower()
    assert LEARNER_EMAIL not in lowered
    assert CASE_NUMBER.lower() not in lowered
    assert PARTNER_NAME.lower() not in lowered
    assert "amman" not in lowered
    for word in DISPLACEMENT_WORDS + NATIONALITY_WORDS:
        assert word.lower() not in lowered, word


# --- the page -----------------------------------------------------------------------------------


def test_anyone_without_signing_in_sees_a_valid_credential(client, credential):
    response = client.get(page_url(credential.code))

    assert response.status_code == 200
    assert state_heading(response) == "Valid"
    html = main_of(response)
    assert f'<dd class="col-sm-9 text-break" dir="auto">{LEARNER_NAME}</dd>' in html
    assert COURSE_TITLE in html
    assert PROVIDER_NAME in html
    assert PROGRAMME_NAME in html
    assert timezone.localtime(credential.issued_at).date().isoformat() in html


def test_a_signed_in_person_sees_the_same_page(client, credential):
    client.force_login(LearnerFactory())

    response = client.get(page_url(credential.code))

    assert response.status_code == 200
    assert state_heading(response) == "Valid"


def test_page_links_to_the_json_the_qr_code_and_the_pdf(client, credential):
    html = main_of(client.get(page_url(credential.code)))

    assert f'href="{json_url(credential.code)}"' in html
    assert f'href="{json_url(credential.code)}?download=1"' in html
    # The learner reads English: one certificate, in English.
    assert [link for link in hrefs_of(html) if "certificate.pdf" in link] == [
        f"{pdf_url(credential.code)}?lang=en"
    ]
    assert "Download the certificate (PDF, English)" in html
    assert re.search(rf'<img src="{re.escape(qr_url(credential.code))}"[^>]* alt="[^"]+"', html)


def test_page_explains_how_to_verify_with_the_issuers_did(client, credential):
    html = main_of(client.get(page_url(credential.code)))

    details = details_of(html)
    did = json.loads(credential.document)["issuer"]["id"]
    assert did == "did:web:learn.example.org"  # SITE_URL is https on a domain
    assert f'<code dir="ltr" class="text-break">{did}</code>' in details
    assert "Open Badges 3.0" in details
    assert "eddsa-rdfc-2022" in details
    status_list = f"{SITE_URL}/verify/status-lists/{credential.status_list.number}/"
    assert f'<code dir="ltr" class="text-break">{status_list}</code>' in details
    # Each technical term comes with what it means.
    for explanation in (
        "Open standards for digital certificates",
        "A digital signature over the whole content of the credential",
        "A DID (decentralised identifier) names the key the programme signs with.",
        "A Bitstring Status List: a list the programme publishes and signs",
    ):
        assert explanation in details


def test_technical_words_are_only_in_the_closed_details_block(client, credential):
    response = client.get(page_url(credential.code))
    html = main_of(response)

    assert re.search(
        r"<details[^>]*>\s*<summary>Technical details, to check it yourself</summary>", html
    )
    assert "<details open" not in html  # closed until opened: a native element, no script
    assert "<script" not in response.content.decode()
    shown = without_details(html)
    did = json.loads(credential.document)["issuer"]["id"]
    # A did:web is shown whole (it is the domain); a long did:key only in its short form.
    assert did == "did:web:learn.example.org" and did_short(did) == did
    assert "did:key:" not in shown
    for word in (
        "eddsa",
        "rdfc",
        "Data Integrity",
        "Verifiable Credential",
        "Open Badges",
        "Bitstring",
        "cryptosuite",
        "proof",
        "multibase",
        "JSON-LD",
    ):
        assert word.lower() not in shown.lower(), word


def test_valid_credential_checks_in_plain_words(client, credential):
    checks = checks_of(client.get(page_url(credential.code)))

    did = json.loads(credential.document)["issuer"]["id"]
    short = f"{did[:16]}…{did[-4:]}" if did.startswith("did:key:") else did
    assert checks == [
        f"Signed by {PROGRAMME_NAME}",
        "Checked: the signature is intact. Nothing in the credential was changed after it "
        "was signed.",
        f"Checked: issued by {PROGRAMME_NAME} ({short}).",
        "Checked: not revoked.",
    ]


def test_revoked_credential_checks_say_when_but_not_why(client, credential, programme_admin):
    revoked = revoke(credential, programme_admin)

    checks = checks_of(client.get(page_url(credential.code)))

    revoked_on = date_format(timezone.localtime(revoked.revoked_at), "DATE_FORMAT")
    assert checks[-1] == f"Checked: revoked on {revoked_on}."
    assert "Checked: not revoked." not in checks
    assert not any(REVOCATION_REASON in check for check in checks)


def test_tampered_credential_checks_confirm_nothing(client, credential):
    tamper(credential)

    checks = checks_of(client.get(page_url(credential.code)))

    assert checks == [
        "Not confirmed: the signature does not match this credential, or it was not made with "
        "a key of this programme."
    ]


def test_page_in_arabic_says_what_was_checked_in_arabic(client, partner):
    credential = issue_credential(partner, name=ARABIC_NAME, language="ar")
    client.cookies["django_language"] = "ar"

    response = client.get(page_url(credential.code))

    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    checks = checks_of(response)
    assert checks[0] == tr("Signed by %(issuer)s", "ar") % {"issuer": PROGRAMME_NAME}
    assert checks[1] == tr(
        "Checked: the signature is intact. Nothing in the credential was changed after it "
        "was signed.",
        "ar",
    )
    assert checks[3] == tr("Checked: not revoked.", "ar")
    # The issuer's name and DID are isolated from the Arabic sentence around them.
    assert f"<bdi>{PROGRAMME_NAME}</bdi>" in page
    assert re.search(r'<bdi dir="ltr">did:[^<]+</bdi>', page)
    summary = tr("Technical details, to check it yourself", "ar")
    assert f"<summary>{summary}</summary>" in page
    for text in certificate_link_texts("ar"):
        assert text in page


def certificate_link_texts(page_language: str, languages=("ar", "en")) -> list[str]:
    """The certificate links' texts on a page in `page_language`: the language named in it."""
    with translation.override(page_language):
        return [
            gettext("Download the certificate (PDF, %(language)s)")
            % {"language": translation.get_language_info(code)["name_translated"]}
            for code in languages
        ]


def test_page_and_json_reveal_nothing_else_about_the_learner(client, credential):
    learner = credential.learner
    application = learner.applications.get()
    assert application.displacement_status == DisplacementStatus.REFUGEE
    assert learner.learner_profile.country_of_origin == "SY"

    page = client.get(page_url(credential.code)).content.decode()
    document = client.get(json_url(credential.code)).content.decode()

    assert_nothing_private(page)
    assert_nothing_private(document)
    assert learner.email == LEARNER_EMAIL
    strings = re.findall(r'"([^"]*)"', document)
    assert "SY" not in strings
    assert "JO" not in strings


def test_revoked_credential_shows_revoked_with_the_date_but_not_the_reason(
    client, credential, programme_admin
):
    revoked = revoke(credential, programme_admin)

    response = client.get(page_url(credential.code))

    assert response.status_code == 200
    assert state_heading(response) == "Revoked"
    html = main_of(response)
    assert timezone.localtime(revoked.revoked_at).date().isoformat() in html
    assert REVOCATION_REASON not in response.content.decode()
    assert LEARNER_NAME in html


def test_a_tampered_document_could_not_be_verified(client, credential):
    tamper(credential)

    response = client.get(page_url(credential.code))

    assert response.status_code == 200
    assert state_heading(response) == "Could not be verified"
    assert f'href="{pdf_url(credential.code)}"' not in response.content.decode()


def test_unknown_code_says_no_credential_has_it(client, credential):
    response = client.get(page_url(secrets.token_urlsafe(20)))

    assert response.status_code == 404
    html = main_of(response)
    assert "No credential has this code." in html
    assert "state-heading" not in html


@pytest.mark.parametrize(
    "code",
    ["short", "x" * 19, "x" * 41, "has.dots.and.is.long.enough", "with space and long enough"],
)
def test_malformed_code_is_not_looked_up_and_gets_the_unknown_page(
    client, credential, django_assert_num_queries, code
):
    with django_assert_num_queries(0):
        response = client.get(page_url(code))

    assert response.status_code == 404
    assert "No credential has this code." in main_of(response)


def test_hidden_credential_looks_exactly_like_an_unknown_code(client, credential):
    unknown = main_of(client.get(page_url(secrets.token_urlsafe(20))))
    issuance.credential_visibility_set(
        credential=credential, learner=credential.learner, public=False
    )

    response = client.get(page_url(credential.code))

    assert response.status_code == 404
    assert main_of(response) == unknown
    assert LEARNER_NAME not in response.content.decode()


def test_hidden_credential_has_no_json_qr_code_or_pdf(client, credential):
    issuance.credential_visibility_set(
        credential=credential, learner=credential.learner, public=False
    )

    json_response = client.get(json_url(credential.code))
    assert json_response.status_code == 404
    assert json_response.json() == {"error": "not_found"}
    assert client.get(qr_url(credential.code)).status_code == 404
    assert client.get(pdf_url(credential.code)).status_code == 404


def test_shown_again_the_credential_is_back(client, credential):
    learner = credential.learner
    issuance.credential_visibility_set(credential=credential, learner=learner, public=False)
    issuance.credential_visibility_set(credential=credential, learner=learner, public=True)

    assert client.get(page_url(credential.code)).status_code == 200


@pytest.mark.parametrize("found", [True, False])
def test_page_is_not_indexed_not_cached_and_sends_no_referrer(client, credential, found):
    code = credential.code if found else secrets.token_urlsafe(20)

    response = client.get(page_url(code))

    assert response.status_code == (200 if found else 404)
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"]


def test_page_in_arabic_is_right_to_left_and_keeps_the_name_and_did_readable(client, partner):
    credential = issue_credential(partner, name=ARABIC_NAME)
    client.cookies["django_language"] = "ar"

    response = client.get(page_url(credential.code))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert f'dir="auto">{ARABIC_NAME}</dd>' in html
    did = json.loads(credential.document)["issuer"]["id"]
    assert f'<code dir="ltr" class="text-break">{did}</code>' in html


def test_page_answers_head_and_refuses_post(client, credential):
    assert client.head(page_url(credential.code)).status_code == 200
    assert client.post(page_url(credential.code)).status_code == 405


@pytest.mark.parametrize("others", [0, 6])
def test_page_costs_the_same_few_queries_whatever_the_number_of_credentials(
    client, partner, programme_admin, django_assert_num_queries, others
):
    credential = issue_credential(partner)
    for i in range(others):
        other = issue_credential(partner, email=f"other{i}@example.org")
        if i % 2:
            revoke(other, programme_admin)

    # The credential (with its key and status list), and whether its signing key is ours.
    with django_assert_num_queries(2):
        response = client.get(page_url(credential.code))
    assert response.status_code == 200

    revoke(credential, programme_admin)
    with django_assert_num_queries(2):
        response = client.get(page_url(credential.code))
    assert state_heading(response) == "Revoked"

    # The JSON and the status list: one query each.
    with django_assert_num_queries(1):
        assert client.get(json_url(credential.code)).status_code == 200
    with django_assert_num_queries(1):
        response = client.get(reverse("verify:status_list", args=[credential.status_list.number]))
    assert response.status_code == 200


# --- the JSON -----------------------------------------------------------------------------------


def test_json_is_the_document_exactly_as_issued(client, credential):
    response = client.get(json_url(credential.code))

    assert response.status_code == 200
    assert response.content == credential.document.encode("utf-8")
    assert response["Content-Type"] == JSON_LD
    filename = f"credential-{credential.code[:8]}.json"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["X-Robots-Tag"] == "noindex"


def test_json_of_an_arabic_name_is_byte_identical(client, partner):
    credential = issue_credential(partner, name=ARABIC_NAME)

    response = client.get(json_url(credential.code))

    assert response.content == credential.document.encode("utf-8")
    assert json.loads(response.content)["credentialSubject"]["name"] == ARABIC_NAME


def test_json_download_is_an_attachment(client, credential):
    response = client.get(json_url(credential.code), {"download": "1"})

    filename = f"credential-{credential.code[:8]}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.content == credential.document.encode("utf-8")


def test_json_of_a_revoked_credential_is_still_served_unchanged(
    client, credential, programme_admin
):
    revoke(credential, programme_admin)

    response = client.get(json_url(credential.code))

    assert response.status_code == 200
    assert response.content == credential.document.encode("utf-8")
    assert REVOCATION_REASON not in response.content.decode()


@pytest.mark.parametrize("code", ["unknown", "malformed"])
def test_json_of_an_unknown_code_is_a_json_404(client, credential, code):
    code = secrets.token_urlsafe(20) if code == "unknown" else "nope"

    response = client.get(json_url(code))

    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}
    assert response["Access-Control-Allow-Origin"] == "*"


# --- the QR code and the PDF --------------------------------------------------------------------


def test_qr_code_is_an_svg_of_the_pages_address_cached_for_long(client, credential):
    response = client.get(qr_url(credential.code))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert response.content == certificates.qr_svg(f"{SITE_URL}/verify/{credential.code}/")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "max-age=31536000" in cache_control


def test_qr_code_of_an_unknown_code_is_404(client, credential):
    assert client.get(qr_url(secrets.token_urlsafe(20))).status_code == 404


def test_pdf_certificate_is_a_download_with_the_credentials_facts(client, credential):
    response = client.get(pdf_url(credential.code))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Language"] == "en"
    filename = f"certificate-{credential.code[:8]}-en.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Robots-Tag"] == "noindex"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert LEARNER_NAME in text
    assert COURSE_TITLE in text
    assert_nothing_private(text)


def test_arabic_learners_credential_offers_the_certificate_in_arabic_and_in_english(
    client, partner
):
    credential = issue_credential(partner, name=ARABIC_NAME, language="ar")

    html = main_of(client.get(page_url(credential.code)))

    links = [link for link in hrefs_of(html) if "certificate.pdf" in link]
    assert links == [f"{pdf_url(credential.code)}?lang=ar", f"{pdf_url(credential.code)}?lang=en"]
    # Named in the language of the page (English here): "(PDF, Arabic)", "(PDF, English)".
    for text in certificate_link_texts("en"):
        assert text in html
    assert 'hreflang="ar"' in html
    assert 'hreflang="en"' in html


def test_pdf_is_in_the_learners_language_unless_english_is_asked_for(client, partner):
    credential = issue_credential(partner, name=ARABIC_NAME, language="ar")

    default = client.get(pdf_url(credential.code))
    arabic = client.get(pdf_url(credential.code), {"lang": "ar"})
    english = client.get(pdf_url(credential.code), {"lang": "en"})

    for response, language in ((default, "ar"), (arabic, "ar"), (english, "en")):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Language"] == language
        assert response["Content-Disposition"] == (
            f'attachment; filename="certificate-{credential.code[:8]}-{language}.pdf"'
        )
        text = pdf_text(response.content)
        assert ARABIC_NAME.split()[0] in text
        assert tr("Certificate of completion", language) in text
        assert_nothing_private(text)
    assert "Certificate of completion" not in pdf_text(arabic.content)
    assert arabic.content != english.content


@pytest.mark.parametrize("asked", ["de", "xx", "", "en-gb", "../ar"])
def test_pdf_in_a_language_the_portal_does_not_have_is_in_the_learners(client, partner, asked):
    credential = issue_credential(partner, language="uk")

    response = client.get(pdf_url(credential.code), {"lang": asked})

    assert response.status_code == 200
    assert response["Content-Language"] == "uk"


def test_pdf_of_a_credential_whose_learner_is_gone_is_in_english(client, partner):
    credential = issue_credential(partner, language="fa")
    Credential.objects.filter(pk=credential.pk).update(learner=None)

    response = client.get(pdf_url(credential.code))

    assert response["Content-Language"] == "en"
    assert "Certificate of completion" in pdf_text(response.content)


def test_qr_code_on_the_pdf_opens_the_public_page_on_the_sites_address(client, credential):
    # Asked for through another of the portal's host names: the QR code still names SITE_URL.
    response = client.get(pdf_url(credential.code), HTTP_HOST="127.0.0.1")

    (image,) = PdfReader(io.BytesIO(response.content)).pages[0].images
    (barcode,) = zxingcpp.read_barcodes(image.image)
    assert barcode.text == f"{SITE_URL}/verify/{credential.code}/"


def test_pdf_of_a_revoked_credential_says_revoked_without_the_reason(
    client, credential, programme_admin
):
    revoke(credential, programme_admin)

    response = client.get(pdf_url(credential.code))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "revoked" in text.lower()
    assert REVOCATION_REASON not in text


def test_no_pdf_for_a_credential_that_could_not_be_verified(client, credential):
    tamper(credential)

    response = client.get(pdf_url(credential.code))

    assert response.status_code == 302
    assert response["Location"] == page_url(credential.code)


def test_pdf_of_an_unknown_code_is_404(client, credential):
    assert client.get(pdf_url(secrets.token_urlsafe(20))).status_code == 404


# --- the status list ----------------------------------------------------------------------------


def status_list_of(client, credential):
    response = client.get(reverse("verify:status_list", args=[credential.status_list.number]))
    assert response.status_code == 200
    return response


def test_status_list_is_the_signed_document_with_public_headers(client, credential):
    response = status_list_of(client, credential)

    stored = StatusList.objects.get(pk=credential.status_list_id).document
    assert response.content == stored.encode("utf-8")
    assert response["Content-Type"] == JSON_LD
    assert response["Access-Control-Allow-Origin"] == "*"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "max-age=300" in cache_control
    document = response.json()
    assert "BitstringStatusListCredential" in document["type"]
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_status_list_sets_the_credentials_bit_once_revoked(client, credential, programme_admin):
    def bit() -> bool:
        encoded = status_list_of(client, credential).json()["credentialSubject"]["encodedList"]
        return is_set(encoded, credential.status_index)

    assert bit() is False

    revoke(credential, programme_admin)

    assert bit() is True


def test_unknown_status_list_is_404(client, credential):
    response = client.get(reverse("verify:status_list", args=[credential.status_list.number + 1]))

    assert response.status_code == 404


def test_what_the_public_urls_serve_passes_an_independent_verifier(
    client, partner, programme_admin
):
    """A verifier that only has the links: the JSON and the status list it names, fetched from
    the public URLs, checked with Digital Bazaar's libraries."""
    kept = issue_credential(partner, name=ARABIC_NAME)
    revoked = issue_credential(partner, email="other@example.org")
    revoke(revoked, programme_admin)

    documents = [json.loads(client.get(json_url(c.code)).content) for c in (kept, revoked)]
    list_url = documents[0]["credentialStatus"]["statusListCredential"]
    assert list_url.startswith(SITE_URL)
    status_list = json.loads(client.get(list_url.removeprefix(SITE_URL)).content)
    # The issuer is the domain's did:web: its DID document, fetched where did:web says.
    did_url = did_web_document_url(documents[0]["issuer"]["id"])
    assert did_url == f"{SITE_URL}/.well-known/did.json"
    did_document = json.loads(client.get(did_url.removeprefix(SITE_URL)).content)

    results = verify_credentials(documents, {list_url: status_list}, {did_url: did_document})

    assert results[0].verified is True and results[0].revoked is False, results[0].errors
    assert results[1].verified is False and results[1].revoked is True


# --- sharing ------------------------------------------------------------------------------------


def share_links_of(html: str) -> dict[str, str]:
    links = hrefs_of(html)
    return {
        "whatsapp": next(link for link in links if link.startswith("https://wa.me/")),
        "sms": next(link for link in links if link.startswith("sms:")),
        "email": next(link for link in links if link.startswith("mailto:")),
    }


def shared_texts(links: dict[str, str]) -> dict[str, str]:
    """What each link puts in the message, decoded; and that each link is well-formed."""
    whatsapp = urlsplit(links["whatsapp"])
    assert (whatsapp.scheme, whatsapp.netloc, whatsapp.path) == ("https", "wa.me", "/")
    assert list(parse_qs(whatsapp.query, strict_parsing=True)) == ["text"]
    # The form both Android (?body=) and iOS (&body=) fill in.
    assert links["sms"].startswith("sms:?&body=")
    email = urlsplit(links["email"])
    assert (email.scheme, email.path) == ("mailto", "")
    email_fields = parse_qs(email.query, strict_parsing=True)
    assert sorted(email_fields) == ["body", "subject"]
    for link in links.values():
        assert " " not in link and "+" not in link  # spaces as %20: "+" stays a "+" in mailto:
    return {
        "whatsapp": parse_qs(whatsapp.query)["text"][0],
        "sms": unquote(links["sms"].removeprefix("sms:?&body=")),
        "email": email_fields["body"][0],
        "subject": email_fields["subject"][0],
    }


def test_share_links_are_plain_links_with_the_public_address(client, credential):
    response = client.get(page_url(credential.code))
    html = main_of(response)

    links = share_links_of(html)
    texts = shared_texts(links)
    url = f"{SITE_URL}/verify/{credential.code}/"
    expected = (
        f"Certificate of completion for the course “{COURSE_TITLE}” ({PROVIDER_NAME}), issued "
        f"by {PROGRAMME_NAME}. Anyone can check it here: {url}"
    )
    assert texts["whatsapp"] == texts["sms"] == texts["email"] == expected
    assert texts["subject"] == f"Certificate: {COURSE_TITLE}"
    for href in links.values():
        anchor = anchor_of(html, html_module.escape(href)[:20])
        assert 'rel="noopener noreferrer"' in anchor
        assert "onclick" not in anchor and "target=" not in anchor
    assert "<script" not in response.content.decode()
    for text in texts.values():
        # Only what the public page shows; not even the name.
        assert LEARNER_NAME not in text
        assert_nothing_private(text)


def test_share_text_is_in_the_learners_language_whoever_reads_the_page(client, partner):
    credential = issue_credential(partner, name=ARABIC_NAME, language="ar")

    html = main_of(client.get(page_url(credential.code)))  # read in English

    texts = shared_texts(share_links_of(html))
    url = f"{SITE_URL}/verify/{credential.code}/"
    with translation.override("ar"):
        expected = gettext(
            "Certificate of completion for the course “%(course)s” (%(provider)s), issued by "
            "%(issuer)s. Anyone can check it here: %(url)s"
        ) % {
            "course": COURSE_TITLE,
            "provider": PROVIDER_NAME,
            "issuer": PROGRAMME_NAME,
            "url": url,
        }
    assert texts["whatsapp"] == expected
    assert texts["whatsapp"].endswith(url)
    assert ARABIC_NAME not in texts["whatsapp"]
    assert "Share on WhatsApp" in html  # the link itself in the reader's language


def test_no_share_links_for_a_revoked_or_unverifiable_credential(
    client, credential, programme_admin
):
    tamper(credential)
    assert "wa.me" not in client.get(page_url(credential.code)).content.decode()

    other = issue_credential(credential.enrolment.partner, email="other@example.org")
    revoke(other, programme_admin)
    page = client.get(page_url(other.code)).content.decode()
    assert "wa.me" not in page
    assert "sms:" not in page
    assert "mailto:?" not in page
