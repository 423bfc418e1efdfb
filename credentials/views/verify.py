"""Public verification (/verify/...): anyone holding a link or a QR code checks a credential.

No sign-in. A malformed code, an unknown code and a credential its learner hid all give the same
404, so nobody learns that a hidden credential exists. The pages carry a person's name, so they
ask search engines not to index them and send no referrer to the sites they link to.

The page says what was checked in plain words (the technical terms in a details block), offers
the certificate in the learner's language and in English (`certificate.pdf?lang=en`), and, for a
valid credential, WhatsApp, SMS and e-mail links whose text is in the learner's language
(credentials.sharing; decision 0025).

The JSON is served as application/ld+json with an explicit UTF-8 charset rather than a VC media
type (application/vc in VC 2.0, application/vc+ld+json in drafts): browsers do not know those and
download them instead of showing them, while application/ld+json is the type JSON-LD document
loaders (the ones verifier libraries use) ask for, and a "+json" type browsers show as text. The
charset keeps Arabic and Farsi names readable when the file is opened in a browser.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ..certificates import certificate_languages, certificate_pdf, qr_svg
from ..models import Credential
from ..selectors import credential_get_public, status_list_document
from ..services.issuance import credential_check, status_list_url, verification_url
from ..sharing import certificate_links, credential_language, share_links
from ..vc import didweb

JSON_LD = "application/ld+json; charset=utf-8"


def did_document_url_of(did: str) -> str:
    return didweb.did_web_document_url(did) if did.startswith("did:web:") else ""


# What the QR code encodes (the page's URL) never changes for a code.
QR_MAX_AGE = 365 * 24 * 60 * 60
STATUS_LIST_MAX_AGE = 300


def _about_a_person(response: HttpResponse) -> HttpResponse:
    """Headers for anything that names a learner: not indexed, no referrer, always re-checked
    (a revocation or the learner hiding it must show at once)."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, no_cache=True)
    return response


def _for_web_verifiers(response: HttpResponse) -> HttpResponse:
    # Public documents: a verifier running in any site's page may fetch them.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _short(credential: Credential) -> str:
    return credential.code[:8]


@login_not_required
@require_safe
def credential_page(request: HttpRequest, code: str) -> HttpResponse:
    credential = credential_get_public(code)
    if credential is None:
        response = render(request, "credentials/verify/unknown.html", status=404)
    else:
        check = credential_check(credential)
        page_url = verification_url(credential.code)
        language = credential_language(credential.learner_language)
        response = render(
            request,
            "credentials/verify/credential.html",
            {
                "credential": credential,
                "check": check,
                # As the credential names it: did:web of the domain, or the key's did:key.
                "issuer_did": check.issuer_did or credential.issuer_key.did,
                # Where a did:web issuer publishes its keys ("" for a did:key).
                "issuer_did_document_url": did_document_url_of(check.issuer_did),
                "page_url": page_url,
                "status_list_url": status_list_url(credential.status_list.number),
                "certificates": certificate_links(credential.code, language),
                # What the page shows, in the learner's language, for whoever shares it on.
                "share": share_links(
                    url=page_url,
                    course=check.course,
                    provider=check.provider,
                    issuer=check.issuer,
                    language=language,
                ),
            },
        )
    return _about_a_person(response)


@login_not_required
@require_safe
def credential_json(request: HttpRequest, code: str) -> HttpResponse:
    credential = credential_get_public(code)
    if credential is None:
        response = JsonResponse({"error": "not_found"}, status=404)
    else:
        # The stored text exactly as signed: re-serialising could change what was signed.
        response = HttpResponse(credential.document.encode("utf-8"), content_type=JSON_LD)
        disposition = "attachment" if request.GET.get("download") == "1" else "inline"
        response["Content-Disposition"] = (
            f'{disposition}; filename="credential-{_short(credential)}.json"'
        )
    return _for_web_verifiers(_about_a_person(response))


@login_not_required
@require_safe
def credential_qr(request: HttpRequest, code: str) -> HttpResponse:
    credential = credential_get_public(code)
    if credential is None:
        return _about_a_person(render(request, "credentials/verify/unknown.html", status=404))
    response = HttpResponse(qr_svg(verification_url(credential.code)), content_type="image/svg+xml")
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE, immutable=True)
    return response


@login_not_required
@require_safe
def credential_pdf(request: HttpRequest, code: str) -> HttpResponse:
    credential = credential_get_public(code)
    if credential is None:
        return _about_a_person(render(request, "credentials/verify/unknown.html", status=404))
    check = credential_check(credential)
    if check.state == "invalid":
        # No certificate for what cannot be verified: the page says why.
        return _about_a_person(redirect("verify:credential", credential.code))
    # ?lang=en (any of the portal's languages); without it, or with another, the learner's.
    language = request.GET.get("lang", "")
    if language not in certificate_languages():
        language = credential_language(credential.learner_language)
    pdf = certificate_pdf(
        subject_name=check.subject_name,
        course=check.course,
        provider=check.provider,
        issuer=check.issuer,
        issued=check.issued,
        verification_url=verification_url(credential.code),
        state=check.state,
        language=language,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{_short(credential)}-{language}.pdf"'
    )
    response["Content-Language"] = language
    return _about_a_person(response)


@login_not_required
@require_safe
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    document = status_list_document(number)
    if not document:
        response = JsonResponse({"error": "not_found"}, status=404)
    else:
        response = HttpResponse(document.encode("utf-8"), content_type=JSON_LD)
        patch_cache_control(response, public=True, max_age=STATUS_LIST_MAX_AGE)
    return _for_web_verifiers(response)
