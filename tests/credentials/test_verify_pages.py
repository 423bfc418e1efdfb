"""The public verification pages (/verify/...): anyone with a link checks a credential, and
learns the display name, the course and who issued it — nothing else about the learner."""

import io
import json
import re
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from credentials import certificates
from credentials.models import Credential, EnrolmentStatus, StatusList
from credentials.services import issuance
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


def issue_credential(partner, *, name: str = LEARNER_NAME, email: str = LEARNER_EMAIL):
    """A credential for a learner whose refugee status `partner` verified (application with a
    case number, nationality and displacement status), for a completed course."""
    learner = verified_learner(partner, email=email, name=name)
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
    assert f'href="{pdf_url(credential.code)}"' in html
    assert re.search(rf'<img src="{re.escape(qr_url(credential.code))}"[^>]* alt="[^"]+"', html)


def test_page_explains_how_to_verify_with_the_issuers_did(client, credential):
    html = main_of(client.get(page_url(credential.code)))

    did = json.loads(credential.document)["issuer"]["id"]
    assert did == "did:web:learn.example.org"  # SITE_URL is https on a domain
    assert f'<code dir="ltr" class="text-break">{did}</code>' in html
    assert "Open Badges 3.0" in html
    assert "eddsa-rdfc-2022" in html
    status_list = f"{SITE_URL}/verify/status-lists/{credential.status_list.number}/"
    assert f'<code dir="ltr" class="text-break">{status_list}</code>' in html


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
    filename = f"certificate-{credential.code[:8]}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Robots-Tag"] == "noindex"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert LEARNER_NAME in text
    assert COURSE_TITLE in text
    assert_nothing_private(text)


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
