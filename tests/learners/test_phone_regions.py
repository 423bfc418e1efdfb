"""Where the portal already knows the country, a national number needs no country code: a
partner's join link (its country), a learner's country of residence (changing their number), the
country of residence staff give at in-person registration (issue 15, item 4)."""

import re

import pytest
from django.urls import reverse

from portal.models import User
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import PartnerFactory
from tests.portal.fake_sms_gateway import FakeSMSGateway

PASSWORD = "river-lantern-orchard-7"
JORDAN_MOBILE = "+962791234567"
LEBANON_MOBILE = "+9613123456"


@pytest.fixture(autouse=True)
def no_programme_region(settings):
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


def selected_country(html: str) -> str:
    (code,) = re.findall(r'<option value="([A-Z]*)" selected>', html)
    return code


@pytest.mark.django_db
def test_the_list_starts_at_the_country_of_the_partner_whose_link_was_followed(client):
    partner = PartnerFactory(countries=["LB"])
    assert selected_country(client.get(reverse("account_signup")).content.decode()) == ""
    client.get(reverse("learners:join", args=[partner.slug]))
    assert selected_country(client.get(reverse("account_signup")).content.decode()) == "LB"


@pytest.mark.django_db
def test_a_partner_serving_the_languages_country_starts_the_list_there(client, settings):
    settings.PHONE_REGIONS_BY_LANGUAGE = {"ar": "JO"}
    partner = PartnerFactory(countries=["LB", "JO"])
    client.get(reverse("learners:join", args=[partner.slug]))
    page = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="ar")
    assert selected_country(page.content.decode()) == "JO"


@pytest.mark.django_db(transaction=True)
def test_sign_up_by_a_join_link_takes_the_national_number_without_the_list(client, gateway):
    partner = PartnerFactory(countries=["JO"])
    client.get(reverse("learners:join", args=[partner.slug]))
    response = client.post(
        reverse("account_signup"),
        {"phone": "079 123 4567", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()
    assert User.objects.filter(phone=JORDAN_MOBILE).exists()


@pytest.mark.django_db(transaction=True)
def test_a_learner_changing_their_number_dials_as_where_they_live(client, gateway):
    profile = LearnerProfileFactory(country_of_residence="LB")
    user = profile.user
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    assert client.get(reverse("account_change_phone")).status_code == 200
    response = client.post(reverse("account_change_phone"), {"phone": "03 123 456"})
    assert response.status_code == 302, response.content.decode()
    assert gateway.last_code(LEBANON_MOBILE)


@pytest.mark.django_db
def test_the_migration_forgets_placeholder_rows_and_keeps_real_ones():
    import importlib

    from allauth.account.models import EmailAddress
    from django.apps import apps
    from django.conf import settings

    from tests.portal.factories import LearnerFactory

    migration = importlib.import_module("learners.migrations.0005_placeholder_addresses_forgotten")
    phone_only = LearnerFactory(email=f"phone-0123456789abcdef@{settings.NO_EMAIL_DOMAIN}")
    with_address = LearnerFactory(email="amal@example.org")
    EmailAddress.objects.get_or_create(user=phone_only, email=phone_only.email)
    EmailAddress.objects.get_or_create(user=with_address, email=with_address.email)
    migration.forget(apps, None)
    assert not EmailAddress.objects.filter(user=phone_only).exists()
    assert EmailAddress.objects.filter(user=with_address).exists()
