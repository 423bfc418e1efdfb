"""How a credential leaves the portal from a phone: plain links that open WhatsApp, the text
messages app or the e-mail app with a short text and the public verification link filled in, and
the certificate in the learner's language or in English.

Plain links, no JavaScript and no third-party script: the page loads nothing from WhatsApp or
anyone else, and the other side learns only what the person chooses to send. The text says what
the public page says (course, provider, issuer) and nothing more: not the learner's name, nor
anything the portal knows about them. It is in the learner's language, whoever opens the page.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .certificates import certificate_languages

WHATSAPP = "https://wa.me/"


@dataclass(frozen=True)
class ShareLinks:
    whatsapp: str
    sms: str
    email: str


@dataclass(frozen=True)
class CertificateLink:
    language: str  # a language code, for hreflang
    name: str  # the language's name, lazy: in the language the page is rendered in
    url: str


def credential_language(learner_language: str | None) -> str:
    """The language a credential is shared and printed in: its learner's, if the portal has
    it; English when there is no learner any more (the account was erased) or no language."""
    return learner_language if learner_language in certificate_languages() else "en"


def _encoded(text: str) -> str:
    # Spaces as %20 (a "+" is a plus sign in mailto: and sms: bodies, RFC 6068).
    return quote(text, safe="")


def share_links(*, url: str, course: str, provider: str, issuer: str, language: str) -> ShareLinks:
    """WhatsApp's click-to-chat link (https://wa.me/?text=…, the person picks the chat), an SMS
    link in the form both Android (`?body=`) and iOS (`&body=`) fill in, and a mailto: link;
    each with the text in `language`, which ends with the public page's `url`."""
    with translation.override(language):
        facts = {"course": course, "provider": provider, "issuer": issuer}
        subject = _("Certificate: %(course)s") % facts
        message = _(
            "Certificate of completion for the course “%(course)s” (%(provider)s), issued by "
            "%(issuer)s. Anyone can check it here: %(url)s"
        ) % (facts | {"url": url})
    return ShareLinks(
        whatsapp=f"{WHATSAPP}?text={_encoded(message)}",
        sms=f"sms:?&body={_encoded(message)}",
        email=f"mailto:?subject={_encoded(subject)}&body={_encoded(message)}",
    )


def certificate_links(code: str, language: str) -> list[CertificateLink]:
    """The certificate in `language` and in English (the portal's default language; one link
    when they are the same), each named in the language of the page."""
    path = reverse("verify:credential_pdf", args=[code])
    english = settings.LANGUAGE_CODE
    languages = [language] if language == english else [language, english]
    return [
        CertificateLink(
            language=each,
            name=translation.get_language_info(each)["name_translated"],
            url=f"{path}?lang={each}",
        )
        for each in languages
    ]
