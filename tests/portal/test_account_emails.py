"""allauth's e-mails are the portal's own: its name, the reader's language, what to do next, and
never the server's address ("Hello from 127.0.0.1:8101!") or allauth's site-name prefix.

Each e-mail is sent through allauth's real flow (the same URLs a person uses) and read back from
the outbox."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.models import User

from .conftest import give_totp
from .factories import PASSWORD, LearnerFactory, PartnerStaffFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long pass 123"
# Without django.contrib.sites, allauth's "site" is the request's host: its default e-mails said
# "Hello from 127.0.0.1:8101!" and signed off with it.
HOST = "127.0.0.1:8101"


def tr(text: str, language: str) -> str:
    with translation.override(language):
        return gettext(text)


def send(client, django_capture_on_commit_callbacks, url: str, data: dict):
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, headers={"host": HOST})
    assert response.status_code in (200, 302)
    (message,) = mail.outbox[before:]
    return message


def assert_portals_own(message, *, language: str = "en") -> None:
    # Every link is on the portal's one origin (settings.SITE_URL), whatever Host the request
    # came with; the host never appears as the portal's name either.
    origin = settings.SITE_URL.rstrip("/") + "/"
    for link in re.findall(r"https?://\S+", message.body):
        assert link.startswith(origin), f"{link!r} is not on {origin}"
    text = re.sub(r"https?://\S+", "<link>", f"{message.subject}\n{message.body}")
    for leak in ("Hello from", "Thank you for using", HOST, "example.com"):
        assert leak not in text, f"{leak!r} in:\n{text}"
    assert not message.subject.startswith("[")
    with translation.override(language):
        greeting = gettext("Hello,")
        team = gettext("The Learner Access Portal team")
    assert message.body.startswith(greeting)
    assert team in message.body
    # Where to find help, on the portal's own address.
    assert f"{settings.SITE_URL.rstrip('/')}{reverse('portal:help')}" in message.body


def test_sign_up_confirmation_names_the_portal_and_says_what_comes_next(
    client, django_capture_on_commit_callbacks
):
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_signup"),
        {"email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert message.subject == "Confirm your e-mail address for the Learner Access Portal"
    assert "signing up on the Learner Access Portal with this e-mail address" in message.body
    assert "/accounts/confirm-email/" in message.body
    assert "apply to a partner organisation" in message.body
    assert_portals_own(message)


def test_sign_up_confirmation_is_in_the_language_signed_up_in(
    client, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_signup"),
        {"email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert User.objects.get(email="new@example.org").language == "ar"
    assert_portals_own(message, language="ar")


def test_sign_up_with_a_taken_address_tells_its_owner_how_to_get_in(
    client, django_capture_on_commit_callbacks
):
    LearnerFactory(email="taken@example.org", language="fr")
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_signup"),
        {"email": "taken@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert message.to == ["taken@example.org"]
    assert (
        tr("Sign in with your password. If you have forgotten it, choose a new one here:", "fr")
        in message.body
    )
    assert reverse("account_reset_password") in message.body
    assert_portals_own(message, language="fr")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_password_reset_link_in_the_learners_language(
    client, django_capture_on_commit_callbacks, language
):
    LearnerFactory(email="reader@example.org", language=language)
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_reset_password"),
        {"email": "reader@example.org"},
    )
    assert message.subject == tr("Choose a new password for the Learner Access Portal", language)
    assert re.search(r"/accounts/password/reset/key/\S+", message.body)
    assert (
        tr("If it was not you, ignore this e-mail: your password stays the same.", language)
        in message.body
    )
    assert_portals_own(message, language=language)


def test_password_reset_for_an_unknown_address_says_so_and_offers_sign_up(
    client, django_capture_on_commit_callbacks
):
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_reset_password"),
        {"email": "nobody@example.org"},
    )
    assert "no account uses it" in message.body
    assert "with a phone number" in message.body
    assert reverse("account_signup") in message.body
    assert_portals_own(message)


def test_sign_in_code_by_e_mail(client, django_capture_on_commit_callbacks):
    LearnerFactory(email="reader@example.org", language="uk")
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_request_login_code"),
        {"email": "reader@example.org"},
    )
    assert message.subject == tr("Your sign-in code for the Learner Access Portal", "uk")
    assert re.search(r"^[A-Z0-9-]{6,}$", message.body, re.M), message.body  # the code, alone
    assert_portals_own(message, language="uk")


def test_confirming_an_added_address(client, django_capture_on_commit_callbacks):
    learner = LearnerFactory(email="reader@example.org")
    client.force_login(learner)
    message = send(
        client,
        django_capture_on_commit_callbacks,
        reverse("account_email"),
        {"action_add": "", "email": "second@example.org"},
    )
    assert message.to == ["second@example.org"]
    assert "asked to use this e-mail address (second@example.org)" in message.body
    assert "/accounts/confirm-email/" in message.body
    assert_portals_own(message)


def test_code_page_of_a_staff_sign_in_offers_no_sign_in_or_sign_up_links(client):
    staff = PartnerStaffFactory(email="reviewer@example.org")
    give_totp(staff)
    response = client.post(
        reverse("account_login"), {"login": "reviewer@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Two-Factor Authentication" in html or "authenticator" in html
    assert f'href="{reverse("account_signup")}"' not in html
    assert f'href="{reverse("account_login")}"' not in html
    # The way out is still there: "Cancel" signs the half-signed-in person out.
    assert 'id="logout-from-stage"' in html
