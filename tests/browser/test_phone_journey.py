"""A learner with only a phone number, in Arabic, on a phone-sized screen with JavaScript off.

Codes go out through the HTTP SMS backend to a fake gateway — a real HTTP server on 127.0.0.1 —
and the test reads them there, as the learner reads them on their phone.
"""

import pytest
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
    expect_status_message,
    sign_in_by_field_names,
    sign_out,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

PHONE = "+962791234567"
# As an Arabic keyboard types a Jordanian mobile number, without the country code.
PHONE_AS_TYPED = "٠٧٩ ١٢٣ ٤٥٦٧"
SMS_TEXT = "Your code: %(code)s. Do not share it with anyone."
TOO_MANY = "Too many requests in a short time. Wait a few minutes, then try again."


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    settings.PHONE_DEFAULT_REGION = "JO"
    # Texts to one number per hour: sign-up, sign-in code, one new code; the next is refused.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "send_sms": "3/h/key"}
    yield server
    server.stop()


def expect_on_profile_page(page: Page, live_server) -> None:
    """A new learner is asked for their profile first, in Arabic, signed in."""
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_page_in(page, ARABIC)
    expect_signed_in(page, ARABIC)


def enter_code(page: Page, code: str) -> None:
    form = page.get_by_role("main").locator("form:has(input[name=code])")
    form.locator("input[name=code]").fill(code)
    form.get_by_role("button", name=exactly(tr("Confirm", ARABIC))).click()


def test_learner_signs_up_and_in_with_only_a_phone_number_in_arabic_without_javascript(
    new_context, live_server, gateway
):
    ar = ARABIC
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    choose_language(page, "العربية")
    expect_page_in(page, ar)

    # Sign up with a phone number (national format, Arabic digits) and no e-mail address.
    page.get_by_role("main").get_by_role("link", name=exactly(tr("Create an account", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    expect(form.locator("input[name=phone]")).to_have_attribute("type", "tel")
    form.locator("input[name=phone]").fill(PHONE_AS_TYPED)
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", ar))).click()

    # The code arrives at the gateway, in Arabic, addressed in E.164.
    expect(page).to_have_url(url_is(live_server, "/accounts/phone/verify/"))
    expect_page_in(page, ar)
    code = gateway.last_code(PHONE)
    (sms,) = gateway.messages_to(PHONE)
    assert sms.message == tr(SMS_TEXT, ar) % {"code": code}
    assert sms.headers["authorization"] == "Bearer gateway-token"
    user = User.objects.get(phone=PHONE)
    assert not user.has_real_email and not user.phone_verified and user.language == ar

    # Asking for a new code straight away is refused, with a clear message.
    page.get_by_role("main").get_by_role("button", name=exactly(tr("Request new code", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/phone/verify/"))
    expect_status_message(page, tr(TOO_MANY, ar))
    assert len(gateway.messages_to(PHONE)) == 1

    enter_code(page, code)
    expect_on_profile_page(page, live_server)
    user.refresh_from_db()
    assert user.phone_verified

    # Sign out, then in again with the phone number (international format) and the password.
    sign_out(page, live_server)
    page.goto(live_server.url + "/accounts/login/")
    expect_page_in(page, ar)
    sign_in_by_field_names(page, "+962 79 123 4567", NEW_PASSWORD, ar)
    expect_on_profile_page(page, live_server)

    # Sign out, then in with a code sent by SMS; ask for new codes until the limit is reached.
    sign_out(page, live_server)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("main").locator("a[href$='/accounts/login/code/']").click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/code/"))
    expect_page_in(page, ar)
    form = page.get_by_role("main").locator("form:has(input[name=phone])")
    form.locator("input[name=phone]").fill(PHONE_AS_TYPED)
    form.get_by_role("button", name=exactly(tr("Request Code", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/code/confirm/"))
    gateway.wait_for_messages(PHONE, count=2)

    new_code = page.get_by_role("main").get_by_role(
        "button", name=exactly(tr("Request new code", ar))
    )
    new_code.click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/code/confirm/"))
    gateway.wait_for_messages(PHONE, count=3)
    new_code.click()  # a fourth text to this number within the hour
    expect(page).to_have_url(url_is(live_server, "/accounts/login/code/confirm/"))
    expect_status_message(page, tr(TOO_MANY, ar))
    assert len(gateway.messages_to(PHONE)) == 3

    enter_code(page, gateway.last_code(PHONE, count=3))
    expect_on_profile_page(page, live_server)
