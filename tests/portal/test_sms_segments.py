"""Text messages are short: each template, in each language, with the longest names it will
meet, fits the number of SMS parts stated below.

`sms_segments` counts as the network does: the GSM 7-bit alphabet (extension characters count
twice) gives 160 characters alone or 153 per part; anything else is UCS-2, 70 UTF-16 units alone
or 67 per part. Arabic, Farsi and Ukrainian are always UCS-2; French and Spanish texts keep to
the GSM alphabet where that stays natural (a straight apostrophe, no no-break space), so they
travel as GSM-7.

Worst case used (WORST): partner and provider names and a course title of 40 characters, a
9-character access code, a learner reference like K7QM-3XW9-PA2D, the portal's address as long
as a real deployment's (SITE_URL below, 30 characters) and a credential's verify link on it
(/verify/<27-character code>/), a date in the longest short format, waiting-list place 120.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from portal.notify import sms_render
from portal.sms import sms_segments

SITE_URL = "https://learn.refugee-access.org"  # 32 characters, a realistic deployment's
LANGUAGES = ["en", "ar", "fa", "fr", "uk", "es"]
NAME_40 = "Jordan River Foundation for Refugees Amm"  # 40 characters
COURSE_40 = "Introduction to Data Analysis with Excel"  # 40 characters
assert len(NAME_40) == len(COURSE_40) == 40

# The most parts each template may take, in any language. Two is the aim, and holds for every
# template in English, French and Spanish (GSM-7). Three messages take a third part in the
# UCS-2 languages (ar, fa, uk: 67 units a part) with the worst case: access ready (a
# 40-character course, the code, the reference AND the link), the expiry reminder (a name, a
# date and the link) and the credential (a course name and a 60-character verify link).
# Figures with the worst case (parts/characters), en ar fa fr uk es:
#   application_received 1/106 2/77 2/95 1/107 2/86 1/95; info_requested 1/152 2/125 2/128
#   1/156 2/124 1/148; approved 1/137 2/120 2/124 1/147 2/128 1/141; rejected 1/119 2/116 2/123
#   1/131 2/114 1/118; expired 1/137 2/131 2/131 1/158 2/134 2/169; reminder 1/158 3/149 3/158
#   2/177 3/159 2/199; enrolment_active 2/164 3/143 3/151 2/178 3/156 1/160; enrolment_failed
#   1/147 2/123 2/122 1/156 2/130 1/135; revoked 1/108 2/102 2/105 1/122 2/107 1/114;
#   waitlist_moved 1/132 2/106 2/118 1/160 2/104 1/135; completion 1/101 2/75 2/99 1/101 2/93
#   1/108; credential_issued 2/166 3/155 3/170 2/184 3/171 2/170.
MAX_SEGMENTS = {
    "partners/sms/application_received.txt": 2,
    "partners/sms/application_info_requested.txt": 2,
    "partners/sms/application_approved.txt": 2,
    "partners/sms/application_rejected.txt": 2,
    "partners/sms/verification_expired.txt": 2,
    "partners/sms/verification_reminder.txt": 3,
    "credentials/sms/enrolment_active.txt": 3,
    "credentials/sms/enrolment_failed.txt": 2,
    "credentials/sms/enrolment_revoked.txt": 2,
    "credentials/sms/waitlist_moved.txt": 2,
    "credentials/sms/completion_recorded.txt": 2,
    "credentials/sms/credential_issued.txt": 3,
    "credentials/sms/wallet_code.txt": 2,
}


def worst_context() -> dict:
    partner = SimpleNamespace(name=NAME_40)
    provider = SimpleNamespace(name=NAME_40)
    course = SimpleNamespace(title=COURSE_40, pk=1)
    application = SimpleNamespace(verified_until=datetime.date(2027, 12, 28))
    return {
        "site_url": SITE_URL,
        "partner": partner,
        "provider": provider,
        "course": course,
        "application": application,
        "access_code": "K7QM3XW9P",
        "reference": "K7QM-3XW9-PA2D",
        "position": 120,
        "verify_url": f"{SITE_URL}/verify/{'x' * 27}/",
        "tx_code": "123456",
        "minutes": 10,
    }


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two
        ("€" * 81, 2),
        ("é" * 160, 1),  # é is in the GSM alphabet
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("م" * 134, 2),
        ("م" * 135, 3),
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_sms_segments_counts_as_the_network_does(text, segments):
    assert sms_segments(text) == segments


def test_every_sms_template_is_listed():
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates"
    found = {str(p.relative_to(root)) for p in root.glob("*/sms/*.txt")}
    assert found == set(MAX_SEGMENTS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(MAX_SEGMENTS))
def test_sms_fits_its_segments_in_every_language(template, language):
    with translation.override(language):
        text = sms_render(template, worst_context())
        raw = render_to_string(template, worst_context())
    assert text and "{" not in text and "%(" not in text, text
    assert "\n" not in text
    assert raw.strip()
    segments = sms_segments(text)
    assert segments <= MAX_SEGMENTS[template], (
        f"{template} [{language}] takes {segments} parts ({len(text)} characters): {text}"
    )


@pytest.mark.parametrize("language", ["ar", "fa", "fr", "uk", "es"])
def test_sms_templates_are_translated(language):
    """Run with the compiled catalogues: each message differs from the English one."""
    for template in MAX_SEGMENTS:
        with translation.override("en"):
            english = sms_render(template, worst_context())
        with translation.override(language):
            translated = sms_render(template, worst_context())
        assert translated != english, f"{template} is not translated into {language}"
