"""The sharing links and the small formatting helpers of the credential pages: what they encode,
in which language, and that nothing a title contains can break them."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from credentials.sharing import certificate_links, credential_language, share_links
from credentials.templatetags.credential_tags import bdi, did_short

URL = "https://learn.example.org/verify/Qm3x9dZ0k2aH7fJp1LwX4sVbN8c/"
# Every character with a meaning in a URL or a query, a plus, a quote, and Arabic.
AWKWARD = 'C++ & Python: #1 100% ?a=b/c "quoted" + تحليل'
MESSAGE = (
    "Certificate of completion for the course “%(course)s” (%(provider)s), issued by "
    "%(issuer)s. Anyone can check it here: %(url)s"
)


def links(course: str = AWKWARD, language: str = "en"):
    return share_links(
        url=URL, course=course, provider="Open & Co", issuer="Open Learning", language=language
    )


def test_share_links_survive_any_title_and_decode_to_the_message():
    shared = links()
    expected = MESSAGE % {
        "course": AWKWARD,
        "provider": "Open & Co",
        "issuer": "Open Learning",
        "url": URL,
    }

    whatsapp = urlsplit(shared.whatsapp)
    assert parse_qs(whatsapp.query, strict_parsing=True) == {"text": [expected]}
    assert shared.sms.startswith("sms:?&body=")
    body = shared.sms.removeprefix("sms:?&body=")
    assert not set(body) & set(' &?#+"')
    assert unquote(body) == expected
    email = urlsplit(shared.email)
    assert parse_qs(email.query, strict_parsing=True) == {
        "subject": [f"Certificate: {AWKWARD}"],
        "body": [expected],
    }


@pytest.mark.parametrize("language", ["ar", "fa", "fr", "uk", "es"])
def test_share_text_is_in_the_language_asked_for_whatever_the_active_one(language):
    with translation.override("en"):
        shared = links(course="Data analysis", language=language)
        assert translation.get_language() == "en"
    with translation.override(language):
        expected = gettext(MESSAGE) % {
            "course": "Data analysis",
            "provider": "Open & Co",
            "issuer": "Open Learning",
            "url": URL,
        }
    assert parse_qs(urlsplit(shared.whatsapp).query)["text"] == [expected]


@pytest.mark.parametrize(
    ("learner_language", "language"),
    [("ar", "ar"), ("uk", "uk"), ("en", "en"), (None, "en"), ("", "en"), ("de", "en")],
)
def test_credential_language_is_the_learners_if_the_portal_has_it(learner_language, language):
    assert credential_language(learner_language) == language


def test_certificate_links_are_the_learners_language_then_english_once():
    assert [link.url for link in certificate_links("abc", "en")] == [
        "/verify/abc/certificate.pdf?lang=en"
    ]
    with translation.override("en"):  # names in the language of the page
        arabic = [
            (link.language, str(link.name), link.url) for link in certificate_links("abc", "ar")
        ]
    assert arabic == [
        ("ar", "Arabic", "/verify/abc/certificate.pdf?lang=ar"),
        ("en", "English", "/verify/abc/certificate.pdf?lang=en"),
    ]


@pytest.mark.parametrize(
    ("did", "shown"),
    [
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:key:z6MkhaXg…2doK",
        ),
        ("did:web:learn.example.org", "did:web:learn.example.org"),
        ("did:web:localhost%3A8000", "did:web:localhost%3A8000"),
        (
            "did:web:credentials.programme.example.org:issuers:learning-access",
            "did:web:credentials.programme.example.org:…",
        ),
    ],
)
def test_a_did_is_shortened_only_when_long(did, shown):
    assert did_short(did) == shown


def test_bdi_isolates_and_escapes():
    assert bdi("Open <b>Learning</b>") == "<bdi>Open &lt;b&gt;Learning&lt;/b&gt;</bdi>"
    assert bdi("did:key:z6Mk", "ltr") == '<bdi dir="ltr">did:key:z6Mk</bdi>'
    assert bdi("x", "sideways") == "<bdi>x</bdi>"
