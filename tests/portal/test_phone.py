"""Sign-up and sign-in by phone number: parsing, SMS backends, the allauth adapter, the flows."""

import io
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.adapters import AccountAdapter
from portal.forms import phone_parse, phone_region_hint
from portal.models import User
from portal.sms import (
    ConsoleBackend,
    HttpGatewayBackend,
    SMSGatewayUnavailable,
    SMSRejected,
    phone_mask,
    sms_send,
)

from .factories import LearnerFactory
from .fake_sms_gateway import FakeSMSGateway

PASSWORD = "river-lantern-orchard-7"
JORDAN_MOBILE = "+962791234567"


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "test-token-123"
    yield server
    server.stop()


# --- Parsing and normalising ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+962791234567",
        "+962 79 123 4567",
        "+962-79-123-4567",
        "(+962) 79 123 4567",
        "00962791234567",
        "+٩٦٢٧٩١٢٣٤٥٦٧",  # Arabic-Indic digits, as an Arabic keyboard types them
    ],
)
def test_international_numbers_are_stored_in_e164(typed):
    assert phone_parse(typed, region=None) == JORDAN_MOBILE


def test_national_number_uses_the_region_hint():
    assert phone_parse("079 123 4567", region="JO") == JORDAN_MOBILE
    assert phone_parse("٠٧٩١٢٣٤٥٦٧", region="JO") == JORDAN_MOBILE
    assert phone_parse("050 123 4567", region="UA") == "+380501234567"


def test_region_hint_comes_from_the_language_then_the_default(settings):
    settings.PHONE_DEFAULT_REGION = "jo"
    settings.PHONE_REGIONS_BY_LANGUAGE = {"uk": "UA"}
    assert phone_region_hint("uk") == "UA"
    assert phone_region_hint("ar") == "JO"
    with translation.override("uk"):
        assert phone_parse("050 123 4567") == "+380501234567"
    settings.PHONE_DEFAULT_REGION = ""
    assert phone_region_hint("ar") is None


def test_national_number_without_a_region_asks_for_the_country_code():
    with pytest.raises(ValidationError) as error:
        phone_parse("079 123 4567", region=None)
    assert error.value.code == "phone_needs_country_code"
    assert "country code" in error.value.messages[0]


@pytest.mark.parametrize("typed", ["+1 555", "12", "+962 12", "ABCD2345", "hello", "+44 20 x"])
def test_invalid_numbers_get_a_clear_message(typed):
    with pytest.raises(ValidationError) as error:
        phone_parse(typed, region="JO")
    assert error.value.code == "invalid_phone"
    assert "not a valid phone number" in error.value.messages[0]


def test_invalid_number_message_is_translated():
    with translation.override("ar"), pytest.raises(ValidationError) as error:
        phone_parse("12", region="JO")
    with translation.override("ar"):
        from django.utils.translation import gettext

        expected = gettext(
            "This is not a valid phone number. Check it, or write it with the country code, "
            "for example +962 79 123 4567."
        )
        # The message is lazy: it is translated when shown, in the language of that moment.
        assert error.value.messages[0] == expected


# --- SMS backends -----------------------------------------------------------------------------


def test_phone_mask_hides_the_middle_of_the_number():
    assert phone_mask(JORDAN_MOBILE) == "+962*******67"
    assert "791234" not in phone_mask(JORDAN_MOBILE)


def test_console_backend_prints_the_message_without_the_full_number(caplog):
    out = io.StringIO()
    with caplog.at_level("INFO", logger="portal.sms"):
        ConsoleBackend(stream=out).send(to=JORDAN_MOBILE, message="Your code: 123456.")
    printed = out.getvalue()
    assert "Your code: 123456." in printed
    assert "+962*******67" in printed
    assert JORDAN_MOBILE not in printed
    assert JORDAN_MOBILE not in caplog.text


def test_http_gateway_backend_posts_json_with_the_bearer_token(gateway):
    HttpGatewayBackend().send(to=JORDAN_MOBILE, message="رمزك: 123456")
    (received,) = gateway.received
    assert received.path == "/v1/messages"
    assert received.headers["authorization"] == "Bearer test-token-123"
    assert received.headers["content-type"] == "application/json"
    assert json.loads(received.body) == {"to": JORDAN_MOBILE, "message": "رمزك: 123456"}


def test_http_gateway_server_error_is_raised_as_unavailable(gateway):
    gateway.status = 503
    with pytest.raises(SMSGatewayUnavailable):
        HttpGatewayBackend().send(to=JORDAN_MOBILE, message="x")


def test_http_gateway_refusal_is_raised_as_rejected(gateway):
    gateway.status = 400
    with pytest.raises(SMSRejected):
        HttpGatewayBackend().send(to=JORDAN_MOBILE, message="x")


def test_http_gateway_unreachable_is_raised_as_unavailable(settings):
    server = FakeSMSGateway()
    url = server.url
    server._server.server_close()  # nothing listens on that port any more
    with pytest.raises(SMSGatewayUnavailable):
        HttpGatewayBackend(url=url, token="t", timeout=2).send(to=JORDAN_MOBILE, message="x")


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_delivered_through_the_configured_backend(gateway):
    sms_send(to=JORDAN_MOBILE, message="Your code: 654321.", key="code-1")
    assert gateway.last_code(JORDAN_MOBILE) == "654321"
    # With its idempotency key, the same for every attempt at this message.
    (received,) = gateway.received
    assert received.headers["idempotency-key"] == received.json["id"]
    assert len(received.json["id"]) == 32


# --- The adapter ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_adapter_stores_finds_and_verifies_the_phone():
    adapter = AccountAdapter()
    user = LearnerFactory()
    assert adapter.get_phone(user) is None
    adapter.set_phone(user, JORDAN_MOBILE, False)
    user.refresh_from_db()
    assert adapter.get_phone(user) == (JORDAN_MOBILE, False)
    assert adapter.get_user_by_phone(JORDAN_MOBILE) == user
    assert adapter.get_user_by_phone("+962791234568") is None
    adapter.set_phone_verified(user, JORDAN_MOBILE)
    user.refresh_from_db()
    assert user.phone_verified


@pytest.mark.django_db
def test_empty_phone_is_stored_as_null_so_many_users_have_none():
    LearnerFactory(phone="")
    LearnerFactory(phone="")
    assert User.objects.filter(phone__isnull=True).count() >= 2


@pytest.mark.django_db
def test_adapter_phone_field_parses_to_e164():
    field = AccountAdapter().phone_form_field(required=True)
    assert field.clean("+962 79 123 4567") == JORDAN_MOBILE
    assert field.widget.input_type == "tel"


# Real commits: the SMS job is queued with on_commit, as in production.
@pytest.mark.django_db(transaction=True)
def test_verification_code_sms_is_in_the_users_language(gateway, rf):
    from allauth.core import context

    user = LearnerFactory(language="ar", phone=JORDAN_MOBILE)
    request = rf.post("/")
    with context.request_context(request):
        AccountAdapter(request).send_verification_code_sms(
            user=user, phone=JORDAN_MOBILE, code="123456"
        )
    (received,) = gateway.messages_to(JORDAN_MOBILE)
    with translation.override("ar"):
        from django.utils.translation import gettext

        expected = gettext("Your code: %(code)s. Do not share it with anyone.") % {"code": "123456"}
    assert received.message == expected


# --- The flows through Django's test client -----------------------------------------------------


def _code_from(gateway, phone, count=1):
    return gateway.last_code(phone, count=count)


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_a_phone_number_only(client, gateway):
    response = client.post(
        reverse("account_signup"),
        {"phone": "+962 79 123 4567", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(phone=JORDAN_MOBILE)
    assert not user.phone_verified
    assert not user.has_real_email
    assert user.email.endswith("@" + settings.NO_EMAIL_DOMAIN)
    # The placeholder is nobody's address: allauth keeps no row for it (its pages list rows).
    assert not EmailAddress.objects.filter(user=user).exists()

    # Typed with Arabic-Indic digits, as an Arabic keyboard does.
    code = _code_from(gateway, JORDAN_MOBILE).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_sign_up_needs_a_phone_number_or_an_email(client):
    response = client.post(
        reverse("account_signup"),
        {"phone": "", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "Give a phone number or an e-mail address" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_an_invalid_number_says_so(client):
    response = client.post(
        reverse("account_signup"),
        {"phone": "+1 555", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_email_still_needs_email_confirmation(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"phone": "", "email": "amal@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="amal@example.org")
    assert user.phone is None
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_phone_number_and_password(client):
    user = LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    user.set_password(PASSWORD)
    user.save()
    response = client.post(
        reverse("account_login"), {"login": "+962 79 123 4567", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_national_number_uses_the_default_region(client, settings):
    settings.PHONE_DEFAULT_REGION = "JO"
    user = LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("account_login"), {"login": "0791234567", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_sign_in_by_sms_code(client, gateway):
    user = LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    response = client.post(reverse("account_request_login_code"), {"phone": JORDAN_MOBILE})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_confirm_login_code"))
    code = _code_from(gateway, JORDAN_MOBILE)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_no_sms_is_sent_to_an_unknown_number(client, gateway):
    response = client.post(reverse("account_request_login_code"), {"phone": JORDAN_MOBILE})
    assert response.status_code == 302  # the same answer as for a known number
    assert gateway.received == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("has_account", [True, False])
def test_the_per_number_limit_answers_the_same_with_or_without_an_account(
    gateway, settings, has_account
):
    """Asking for sign-in codes again and again gets the same answers for a number with an
    account and one without: the limit does not tell them apart (decision 0015)."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "request_login_code": "100/m/ip,100/m/key",
    }
    if has_account:
        LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    url = reverse("account_request_login_code")
    answers = [Client().post(url, {"phone": JORDAN_MOBILE}).status_code for _ in range(7)]
    assert answers == [302] * 5 + [200] * 2
    assert len(gateway.messages_to(JORDAN_MOBILE)) == (5 if has_account else 0)


@pytest.mark.django_db(transaction=True)
def test_requesting_too_many_sign_in_codes_gets_a_clear_message(gateway):
    LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    url = reverse("account_request_login_code")
    # Each from a new browser session, as someone trying to flood the number would.
    for _attempt in range(3):
        assert Client().post(url, {"phone": JORDAN_MOBILE}).status_code == 302
    response = Client().post(url, {"phone": JORDAN_MOBILE})
    assert response.status_code == 200
    assert "Too many codes were sent to this number" in response.content.decode()
    assert len(gateway.messages_to(JORDAN_MOBILE)) == 3


@pytest.mark.django_db(transaction=True)
def test_per_number_limit_covers_every_way_of_asking(client, gateway, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "send_sms": "2/h/key"}
    LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    assert (
        client.post(reverse("account_request_login_code"), {"phone": JORDAN_MOBILE}).status_code
        == 302
    )
    confirm = reverse("account_confirm_login_code")
    client.post(confirm, {"action": "resend"})
    response = client.post(confirm, {"action": "resend"}, follow=True)
    assert "Too many requests in a short time" in response.content.decode()
    assert len(gateway.messages_to(JORDAN_MOBILE)) == 2
    # A new session asking for a sign-in code is told at once.
    response = Client().post(reverse("account_request_login_code"), {"phone": JORDAN_MOBILE})
    assert response.status_code == 200
    assert "Too many codes were sent to this number" in response.content.decode()
    assert len(gateway.messages_to(JORDAN_MOBILE)) == 2


@pytest.mark.django_db(transaction=True)
def test_asking_again_for_a_verification_code_at_once_is_rate_limited(client, gateway):
    client.post(
        reverse("account_signup"),
        {"phone": JORDAN_MOBILE, "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    response = client.post(reverse("account_verify_phone"), {"action": "resend"}, follow=True)
    assert "Too many requests in a short time" in response.content.decode()
    assert len(gateway.messages_to(JORDAN_MOBILE)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_number_cannot_sign_up_twice(client, gateway):
    LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    response = client.post(
        reverse("account_signup"),
        {"phone": JORDAN_MOBILE, "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    # Enumeration prevention: the same next page, but no second account and no text sent.
    assert response.status_code == 302
    assert User.objects.filter(phone=JORDAN_MOBILE).count() == 1
    assert gateway.received == []


def test_login_field_label_names_every_way_to_sign_in():
    from portal.forms import LoginForm

    assert re.match(r"^E-mail", str(LoginForm().fields["login"].label))
