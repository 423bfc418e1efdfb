"""Someone who cannot sign in finds help, on a phone, in Arabic, without JavaScript: from the
password-reset page to the help page's "Forgotten your password?" section, then to a partner's
contact details; and the help page passes axe-core in English and Arabic."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from tests.partners.factories import PartnerFactory

from .conftest import PHONE
from .helpers import ARABIC, expect_page_in, tr, url_is

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture
def partner(db):
    return PartnerFactory(
        name="Refuge Jordan",
        countries=["JO"],
        contact_email="a-very-long-shared-address.for-learners@refuge-jordan.example.org",
        contact_phone="+962 6 555 0101",
        contact_details="12 Rainbow Street, Amman\nSunday to Thursday, 9:00 to 15:00",
    )


def test_a_learner_who_cannot_sign_in_finds_help_in_arabic(new_context, live_server, partner):
    context = new_context(viewport=PHONE, locale=ARABIC)
    context.add_cookies([{"name": "django_language", "value": ARABIC, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("account_reset_password"))
    # Where allauth said "contact us", the help page (the link's words are inside a sentence).
    page.get_by_role("main").locator('a[href="/help/#password"]').click()
    expect(page).to_have_url(url_is(live_server, "/help/#password"))
    expect_page_in(page, ARABIC)
    section = page.locator("#password")
    expect(section).to_contain_text(tr("Send me a sign-in code", ARABIC))
    expect(
        section.get_by_role("link", name=tr("Get a sign-in code by SMS", ARABIC))
    ).to_have_attribute("href", reverse("account_request_login_code"))
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text("Refuge Jordan")
    expect(contacts.get_by_role("link", name="+962 6 555 0101")).to_have_attribute(
        "href", "tel:+96265550101"
    )
    # The footer of every page leads here too.
    page.goto(live_server.url + reverse("portal:landing"))
    page.get_by_role("contentinfo").get_by_role("link", name=tr("Help and contact", ARABIC)).click()
    expect(page).to_have_url(url_is(live_server, reverse("portal:help")))


@pytest.mark.needs_javascript
@pytest.mark.parametrize("language", ["en", ARABIC])
def test_help_page_passes_axe_core_at_360px(new_context, live_server, partner, language):
    context = new_context(viewport=PHONE, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("portal:help"))
    expect_page_in(page, language)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
