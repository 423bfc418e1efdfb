"""A learner signs up with their number as they dial it in Jordan (0791234567), choosing Jordan in
the list beside the field, confirms it with the code sent by SMS, signs out, and signs in again
with the same national number — in English and in Arabic, on a phone-sized screen, without
JavaScript, with no country assumed by the programme. No page ever shows the internal
placeholder address such an account has.
"""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from portal.models import User
from tests.portal.fake_sms_gateway import FakeSMSGateway

from .helpers import (
    ARABIC,
    NEW_PASSWORD,
    choose_language,
    exactly,
    expect_page_in,
    expect_signed_in,
    sign_out,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

PHONE = "+962791234567"
NATIONAL = "0791234567"
CHOOSE_COUNTRY = (
    "Choose your country in the list next to the number, or write the number with its country "
    "code, starting with + (for example +962 79 123 4567)."
)


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    # A programme across many countries: nothing is assumed, the learner chooses.
    settings.PHONE_DEFAULT_REGION = ""
    settings.PHONE_REGIONS_BY_LANGUAGE = {}
    yield server
    server.stop()


def expect_no_placeholder(page: Page) -> None:
    assert settings.NO_EMAIL_DOMAIN not in page.content()


@pytest.mark.parametrize("language", ["en", ARABIC])
def test_learner_signs_up_and_in_with_the_number_as_dialled_at_home(
    new_context, live_server, gateway, language
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    if language == ARABIC:
        choose_language(page, "العربية")
    expect_page_in(page, language)

    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("Create an account", language))
    ).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    country = form.locator("select[name=phone_country]")
    expect(country).to_have_value("")  # nothing assumed: "choose"
    expect(country).to_have_attribute("aria-label", tr("Country of the phone number", language))
    expect(country.locator("option[value=JO]")).to_have_text(f"{tr('Jordan', language)} (+962)")

    # The national number without a country: the form says what to do, in the page's language.
    form.locator("input[name=phone]").fill(NATIONAL)
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", language))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    expect(page.get_by_role("main")).to_contain_text(tr(CHOOSE_COUNTRY, language))
    assert not User.objects.filter(phone=PHONE).exists()

    # Jordan chosen beside the number: the account is made with the number in E.164.
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    expect(form.locator("input[name=phone]")).to_have_value(NATIONAL)
    form.locator("select[name=phone_country]").select_option("JO")
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", language))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/phone/verify/"))
    expect_page_in(page, language)
    expect_no_placeholder(page)

    code = gateway.last_code(PHONE)
    code_form = page.get_by_role("main").locator("form:has(input[name=code])")
    code_form.locator("input[name=code]").fill(code)
    code_form.get_by_role("button", name=exactly(tr("Confirm", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_signed_in(page, language)
    expect_no_placeholder(page)
    user = User.objects.get(phone=PHONE)
    assert user.phone_verified and not user.has_real_email

    # Sign out, then in with the national number, Jordan chosen beside it.
    sign_out(page, live_server)
    page.goto(live_server.url + "/accounts/login/")
    expect_page_in(page, language)
    login = page.get_by_role("main").locator("form:has(input[name=login])")
    login.locator("input[name=login]").fill(NATIONAL)
    login.locator("select[name=login_country]").select_option("JO")
    login.locator("input[name=password]").fill(NEW_PASSWORD)
    login.get_by_role("button", name=exactly(tr("Sign In", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_signed_in(page, language)
    expect_no_placeholder(page)

    # Their account's e-mail page lists no address (the placeholder is nobody's).
    page.goto(live_server.url + "/accounts/email/")
    expect_page_in(page, language)
    expect_no_placeholder(page)
