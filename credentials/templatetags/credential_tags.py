"""A learner's credentials, for their dashboard and credentials page: the links a learner shares
(the public page, LinkedIn's "add a certification" form, WhatsApp, SMS, e-mail) and the
certificate in their language and in English; and an issuer's DID, shortened for reading.
Formatting only: the credentials come from the view (learners.selectors.learner_dashboard,
credentials.selectors)."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from ..models import Credential
from ..services.issuance import verification_url
from ..sharing import (
    CertificateLink,
    ShareLinks,
    certificate_links,
    credential_language,
    share_links,
)

register = template.Library()

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@register.simple_tag
def credential_share_url(credential: Credential) -> str:
    """The public verification page, as a full address to paste anywhere."""
    return verification_url(credential.code)


@register.simple_tag
def credential_linkedin_url(credential: Credential) -> str:
    """LinkedIn's form to add the credential to a profile as a certification, filled in."""
    issued = timezone.localtime(credential.issued_at)
    query = urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": credential.course.title,
            "organizationName": settings.PROGRAMME_NAME,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": verification_url(credential.code),
            "certId": credential.code,
        }
    )
    return f"{LINKEDIN_ADD_TO_PROFILE}?{query}"


@register.simple_tag
def credential_share_links(credential: Credential, learner) -> ShareLinks:
    """WhatsApp, SMS and e-mail links with the public page's address, in the learner's
    language (credentials.sharing)."""
    return share_links(
        url=verification_url(credential.code),
        course=credential.course.title,
        provider=credential.course.provider.name,
        issuer=settings.PROGRAMME_NAME,
        language=credential_language(getattr(learner, "language", None)),
    )


@register.simple_tag
def credential_certificate_links(credential: Credential, learner) -> list[CertificateLink]:
    """The certificate in the learner's language and in English."""
    return certificate_links(
        credential.code, credential_language(getattr(learner, "language", None))
    )


# Long enough for a did:web of a domain ("did:web:learn.example.org") to stay whole.
DID_SHOWN_WHOLE = 40


@register.filter
def did_short(did: str) -> str:
    """A DID as a person reads it: whole when short (did:web:learn.example.org); a long did:web
    as its domain; any other as its method and the start and end of its identifier
    (did:key:z6MkhaXg…2doK): enough to compare with another copy, while the page shows the
    whole DID in its technical details."""
    if len(did) <= DID_SHOWN_WHOLE:
        return did
    scheme, method, identifier = ([*did.split(":", 2), "", ""])[:3]
    if scheme == "did" and method == "web":
        # The domain is what a reader recognises (and what the identifier is anchored in).
        domain, _colon, path = identifier.partition(":")
        return f"did:web:{domain}" + (":…" if path else "")
    if scheme != "did" or len(identifier) < 16:
        return f"{did[:24]}…{did[-6:]}"
    return f"did:{method}:{identifier[:8]}…{identifier[-4:]}"


@register.filter
def bdi(value, direction: str = "") -> str:
    """`value` isolated from the text around it (<bdi>), so a Latin name or an address inside
    a right-to-left sentence (or the reverse) keeps its place and its punctuation."""
    if direction in ("ltr", "rtl"):
        return format_html('<bdi dir="{}">{}</bdi>', direction, value)
    return format_html("<bdi>{}</bdi>", value)
