"""Accounts through django-allauth: sign-up, verification, passwords, enumeration, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from portal.models import Role, User

from .factories import PASSWORD, LearnerFactory

GOOD_PASSWORD = "river-lantern-orchard-7"


def signup(client, email, password=GOOD_PASSWORD, password2=None):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": password, "password2": password2 or password},
    )


@pytest.mark.django_db
def test_signup_creates_an_unverified_learner_and_emails_a_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "amal@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="amal@example.org")
    assert user.role == Role.LEARNER
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    response = client.post(link.group(1))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_confirmation_email_is_written_in_the_learners_language(
    client, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "fr"
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "nour@example.org")
    # The portal's own subject (templates/account/email/), in French.
    assert (
        mail.outbox[0].subject
        == "Confirmez votre adresse e-mail pour le Portail d'accès des apprenants"
    )


@pytest.mark.django_db
def test_unverified_learner_cannot_sign_in_until_the_email_is_confirmed(client):
    LearnerFactory(email="unverified@example.org", verified=False)
    response = client.post(
        "/accounts/login/", {"login": "unverified@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw-1", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_message(client, password, message):
    response = signup(client, "weak@example.org", password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="weak@example.org").exists()


@pytest.mark.django_db
def test_signup_with_a_taken_email_does_not_reveal_that_it_is_taken(
    client, django_capture_on_commit_callbacks
):
    LearnerFactory(email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "taken@example.org")
    # Same answer as a new sign-up; the owner of the address is told by e-mail instead.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email="taken@example.org").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taken@example.org"]


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    LearnerFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 2  # a reset link to the owner; an "unknown account" note otherwise


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client):
    LearnerFactory(email="target@example.org")
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"login": "target@example.org", "password": "wrong-password-x"}
        )
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"login": "target@example.org", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_learner_signs_in_with_email_and_password(client):
    LearnerFactory(email="reader@example.org")
    response = client.post(
        "/accounts/login/", {"login": "reader@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    # A learner's home is their dashboard, which first asks for a profile.
    response = client.get("/home/", follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/learn/", "/learn/profile/"]
    assert response.status_code == 200


@pytest.mark.django_db
def test_django_admin_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
