"""The public help page: each partner organisation's contact details (from its record, edited by
programme admins), how to get back into an account (by SMS code as the portal really offers it),
and a short FAQ; linked from every page and from the password-reset page."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from partners.models import Partner
from tests.portal.conftest import give_totp
from tests.portal.factories import ProgrammeAdminFactory

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db

HELP_URL = reverse("portal:help")


def test_help_page_lists_active_partners_contact_details_without_signing_in(client):
    PartnerFactory(
        name="Hope Amman",
        countries=["JO"],
        contact_email="help@hope.example",
        contact_phone="+962 6 555 0101",
        contact_details="12 Rainbow Street, Amman\nSunday to Thursday, 9:00 to 15:00",
    )
    PartnerFactory(name="Quiet Partner", contact_email="", contact_phone="", contact_details="")
    PartnerFactory(name="Closed Partner", is_active=False, contact_email="closed@x.example")
    response = client.get(HELP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hope Amman" in html and "Jordan" in html
    assert 'href="mailto:help@hope.example"' in html
    assert 'href="tel:+96265550101"' in html
    assert "12 Rainbow Street, Amman<br>Sunday to Thursday, 9:00 to 15:00" in html
    assert "Quiet Partner" in html
    assert "has not given contact details yet" in html
    assert "Closed Partner" not in html and "closed@x.example" not in html


def test_help_page_describes_the_real_ways_back_into_an_account(client):
    html = client.get(HELP_URL).content.decode()
    # By SMS: the sign-in code allauth sends to a phone number (no password reset by SMS exists).
    assert "Send me a sign-in code" in html
    assert f'href="{reverse("account_request_login_code")}"' in html
    assert "6-digit code" in html
    assert f'href="{reverse("account_reset_password")}"' in html


def test_help_page_answers_the_usual_questions(client):
    html = client.get(HELP_URL).content.decode()
    for question in (
        "What is this portal?",
        "Who can apply?",
        "What documents do I need?",
        "How long does verification take?",
        "Is it free?",
        "How is my data protected?",
        "How do I delete my account?",
    ):
        assert question in html
    assert "up to 3 files" in html


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_help_page_is_in_every_language_and_linked_from_every_page(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        title = gettext("Help and contact")
        team_words = gettext("Privacy notice")
    html = client.get(HELP_URL).content.decode()
    assert f'lang="{language}"' in html
    assert title in html and team_words in html
    landing = client.get(reverse("portal:landing")).content.decode()
    assert f'href="{HELP_URL}"' in landing


@pytest.mark.parametrize("size", [1, 15])
def test_help_page_costs_the_same_number_of_queries_whatever_the_number_of_partners(
    client, django_assert_num_queries, size
):
    for n in range(size):
        PartnerFactory(contact_email=f"office{n}@partner.example", countries=["JO", "LB"])
    with django_assert_num_queries(1):  # the partners; no session or user for a visitor
        response = client.get(HELP_URL)
    assert response.content.decode().count("mailto:") == size


def test_password_reset_page_sends_people_to_the_help_page(client):
    html = client.get(reverse("account_reset_password")).content.decode()
    assert f'href="{HELP_URL}#password"' in html
    assert "contact us" not in html


@pytest.fixture
def partner_edit(client):
    """A programme admin signed in on a partner's edit page: (partner, its URL)."""
    partner = PartnerFactory(slug="hope-amman", countries=["JO"])
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    client.force_login(admin)
    return partner, reverse("programme:partner_edit", args=[partner.slug])


def test_programme_admin_edits_a_partners_contact_details(client, partner_edit):
    partner, url = partner_edit
    form = client.get(url).context["form"]
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        countries=["JO"],
        contact_phone=" +962 6 555 0101 ",
        contact_details="Office: 12 Rainbow Street",
        is_active="on",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.contact_phone == "+962 6 555 0101"
    assert partner.contact_details == "Office: 12 Rainbow Street"
    assert "Office: 12 Rainbow Street" in client.get(HELP_URL).content.decode()


def test_contact_details_longer_than_400_characters_are_refused_with_a_clear_message(
    client, partner_edit
):
    partner, url = partner_edit
    response = client.post(
        url,
        {
            "name": partner.name,
            "slug": partner.slug,
            "countries": ["JO"],
            "verification_validity_days": 365,
            "contact_details": "x" * 401,
        },
    )
    assert response.status_code == 200
    assert "at most 400 characters" in response.content.decode()
    assert Partner.objects.get(pk=partner.pk).contact_details == ""
