"""Numbers as people dial them (issue 15, item 4): a national number (Jordan: 079 123 4567) is
read in the country chosen in the list beside the field, or the one the page knows; sign-up and
sign-in (password, code by SMS) find the account; an unknown number fails like a wrong password."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.forms import (
    PhoneNumberField,
    PhoneWithCountryInput,
    TypedPhone,
    phone_parse_typed,
)
from portal.models import User
from portal.phones import phone_country_choices, phone_region_default

from .factories import LearnerFactory
from .fake_sms_gateway import FakeSMSGateway

PASSWORD = "river-lantern-orchard-7"
JORDAN_MOBILE = "+962791234567"
NATIONAL = "0791234567"
ARABIC_INDIC = "٠٧٩١٢٣٤٥٦٧"
PERSIAN = "۰۷۹۱۲۳۴۵۶۷"
CHOOSE_COUNTRY = (
    "Choose your country in the list next to the number, or write the number with its country "
    "code, starting with + (for example +962 79 123 4567)."
)


@pytest.fixture(autouse=True)
def no_programme_region(settings):
    # As a programme run across several countries is configured: nothing assumed.
    settings.PHONE_DEFAULT_REGION = ""
    settings.PHONE_REGIONS_BY_LANGUAGE = {}


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "test-token-123"
    yield server
    server.stop()


def learner_with_phone():
    user = LearnerFactory(phone=JORDAN_MOBILE, phone_verified=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- Parsing: the country chosen, or the one the page knows ---------------------------------------


@pytest.mark.parametrize("typed", [NATIONAL, "079 123 4567", "079-123-4567", ARABIC_INDIC, PERSIAN])
def test_national_number_is_read_in_the_chosen_country(typed):
    assert phone_parse_typed(typed, "JO") == JORDAN_MOBILE
    assert phone_parse_typed(typed, "jo") == JORDAN_MOBILE


@pytest.mark.parametrize("typed", ["+962 79 123 4567", "00962791234567", "+٩٦٢٧٩١٢٣٤٥٦٧"])
def test_a_number_with_its_country_code_ignores_the_list(typed):
    assert phone_parse_typed(typed, "UA") == JORDAN_MOBILE
    assert phone_parse_typed(typed, "") == JORDAN_MOBILE


def test_choose_left_in_the_list_says_what_to_do_in_the_page_language():
    with pytest.raises(ValidationError) as error:
        phone_parse_typed(NATIONAL, "")
    assert error.value.code == "phone_needs_country"
    with translation.override("ar"):
        message = str(error.value.messages[0])
        assert message == gettext(CHOOSE_COUNTRY)
    assert "Choose your country" in str(error.value.messages[0])


def test_an_unknown_country_code_in_the_list_counts_as_none_chosen():
    with pytest.raises(ValidationError) as error:
        phone_parse_typed(NATIONAL, "XX")
    assert error.value.code == "phone_needs_country"


def test_without_a_list_the_language_country_then_the_programme_country_is_used(settings, rf):
    settings.PHONE_REGIONS_BY_LANGUAGE = {"uk": "UA"}
    settings.PHONE_DEFAULT_REGION = "JO"
    with translation.override("uk"):
        assert phone_region_default(rf.get("/")) == "UA"
        assert phone_parse_typed("050 123 4567", None) == "+380501234567"
    with translation.override("ar"):
        assert phone_parse_typed(NATIONAL, None) == JORDAN_MOBILE
    settings.PHONE_DEFAULT_REGION = ""
    with translation.override("ar"), pytest.raises(ValidationError):
        phone_parse_typed(NATIONAL, None)


def test_the_field_reads_the_list_sent_with_the_number():
    field = PhoneNumberField()
    widget = field.widget
    value = widget.value_from_datadict({"phone": NATIONAL, "phone_country": "JO"}, {}, "phone")
    assert isinstance(value, TypedPhone) and value.country == "JO"
    assert field.clean(value) == JORDAN_MOBILE
    # A form that sends no list at all: the page's own country (none here) is used.
    value = widget.value_from_datadict({"phone": NATIONAL}, {}, "phone")
    assert value.country is None
    with pytest.raises(ValidationError):
        field.clean(value)


# --- The list: every country once, translated, with its calling code; starts where it should ---


def test_the_list_names_each_country_with_its_calling_code_in_the_page_language():
    with translation.override("en"):
        choices = dict(phone_country_choices())
        assert choices["JO"] == "Jordan (+962)"
        assert choices["UA"] == "Ukraine (+380)"
        assert "AQ" not in choices  # no calling code
        assert 230 < len(choices) < 250
    with translation.override("ar"):
        assert dict(phone_country_choices())["JO"].endswith("(+962)")
        assert dict(phone_country_choices())["JO"] != "Jordan (+962)"


def test_the_list_starts_at_the_languages_country(settings):
    settings.PHONE_REGIONS_BY_LANGUAGE = {"ar": "JO"}
    with translation.override("ar"):
        html = PhoneWithCountryInput().render("phone", "", {"id": "id_phone"})
    assert re.search(r'<option value="JO" selected>', html)
    assert html.count("<option") == len(phone_country_choices()) + 1
    assert 'name="phone_country"' in html and 'id="id_phone_country"' in html
    with translation.override("fr"):
        html = PhoneWithCountryInput().render("phone", "", {"id": "id_phone"})
    assert html.count(" selected") == 1
    assert '<option value="" selected>' in html  # nothing known: "choose"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["account_signup", "account_login", "account_request_login_code"]
)
def test_sign_up_sign_in_and_code_pages_have_the_list_once(client, url_name):
    html = client.get(reverse(url_name)).content.decode()
    assert html.count("<select") == 1
    assert html.count('<option value="JO"') == 1
    assert "<script" not in html.split("<form", 1)[1].split("</form>", 1)[0]


# --- Sign-up, sign-in with a password, sign-in by code --------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("typed", [NATIONAL, ARABIC_INDIC, PERSIAN])
def test_sign_up_with_the_national_number_and_the_country_chosen(client, gateway, typed):
    response = client.post(
        reverse("account_signup"),
        {
            "phone": typed,
            "phone_country": "JO",
            "email": "",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("account_verify_phone")
    assert User.objects.get(phone=JORDAN_MOBILE)
    assert gateway.last_code(JORDAN_MOBILE)


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_a_national_number_and_no_country_says_to_choose_one(client):
    with translation.override("ar"):
        response = client.post(
            reverse("account_signup"),
            {
                "phone": NATIONAL,
                "phone_country": "",
                "email": "",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
            HTTP_ACCEPT_LANGUAGE="ar",
        )
        expected = gettext(CHOOSE_COUNTRY)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("typed", [NATIONAL, "079 123 4567", ARABIC_INDIC, PERSIAN])
def test_sign_in_with_the_national_number_finds_the_account(client, typed):
    user = learner_with_phone()
    response = client.post(
        reverse("account_login"),
        {"login": typed, "login_country": "JO", "password": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_an_unknown_national_number_fails_exactly_like_a_wrong_password():
    learner_with_phone()
    url = reverse("account_login")
    wrong_password = Client().post(
        url, {"login": NATIONAL, "login_country": "JO", "password": "not-the-password-1"}
    )
    unknown_number = Client().post(
        url, {"login": "0791234568", "login_country": "JO", "password": "not-the-password-1"}
    )
    assert wrong_password.status_code == unknown_number.status_code == 200
    assert without_tokens(wrong_password.content.decode()).replace(NATIONAL, "N") == without_tokens(
        unknown_number.content.decode()
    ).replace("0791234568", "N")
    assert "phone number and/or password" in unknown_number.content.decode()


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_a_national_number_and_no_country_says_to_choose_one():
    learner_with_phone()
    response = Client().post(
        reverse("account_login"), {"login": NATIONAL, "login_country": "", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Choose your country in the list" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("typed", ["ABCD2345", "2345-6789"])
def test_a_login_code_is_never_read_as_a_phone_number(typed):
    response = Client().post(
        reverse("account_login"), {"login": typed, "login_country": "", "password": PASSWORD}
    )
    assert "Choose your country" not in response.content.decode()
    assert "email address and/or password" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("typed", [NATIONAL, PERSIAN])
def test_sign_in_by_code_with_the_national_number(client, gateway, typed):
    user = learner_with_phone()
    response = client.post(
        reverse("account_request_login_code"), {"phone": typed, "phone_country": "JO"}
    )
    assert response.status_code == 302, response.content.decode()
    code = gateway.last_code(JORDAN_MOBILE)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).wsgi_request.user == user


@pytest.mark.django_db(transaction=True)
def test_asking_a_code_for_an_unknown_national_number_looks_the_same_and_sends_nothing(gateway):
    learner_with_phone()
    url = reverse("account_request_login_code")
    known = Client().post(url, {"phone": NATIONAL, "phone_country": "JO"})
    unknown = Client().post(url, {"phone": "0791234568", "phone_country": "JO"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert gateway.messages_to("+962791234568") == []
