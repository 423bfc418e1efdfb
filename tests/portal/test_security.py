"""Security settings, headers, sessions and the staff two-factor rule."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet

from credentials.vc.keys import SigningKey, private_key_to_text
from portal.middleware import SESSION_SEEN, SESSION_STARTED

from .conftest import give_totp
from .factories import PASSWORD, LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "p7Wq2-production-like-secret-key-for-the-check-" + "x9" * 20,
    "ALLOWED_HOSTS": "learn.example.org",
    "SITE_URL": "https://learn.example.org",
    "HTTPS_ONLY": "1",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "SMS_BACKEND": "portal.sms.HttpGatewayBackend",
    "SMS_GATEWAY_URL": "https://sms.example.org/send",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "CREDENTIAL_SIGNING_KEY": private_key_to_text(SigningKey.generate().private_key),
}


def run_check_deploy(extra_env):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_deployment_without_https_and_keys():
    env = dict(PRODUCTION_ENV, HTTPS_ONLY="0", FIELD_ENCRYPTION_KEY="", CREDENTIAL_SIGNING_KEY="")
    result = run_check_deploy(env)
    assert result.returncode != 0
    for check_id in [
        "security.W004",
        "security.W008",
        "security.W012",
        "portal.W001",
        "credentials.W001",
    ]:
        assert check_id in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("sms_env", "check_id"),
    [
        ({"SMS_BACKEND": "portal.sms.ConsoleBackend"}, "portal.W006"),
        ({"SMS_GATEWAY_URL": ""}, "portal.W007"),
        ({"SMS_GATEWAY_URL": "sms.example.org/send"}, "portal.W007"),
    ],
)
def test_check_deploy_flags_sms_that_would_never_be_delivered(sms_env, check_id):
    result = run_check_deploy(dict(PRODUCTION_ENV, **sms_env))
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_translated_page_and_no_reason():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"login": "a@example.org"}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "CSRF" not in html and "Referer" not in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client):
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/privacy/"]:
        html = client.get(path).content.decode()
        assert "<script" not in html, path
        assert "style=" not in html, path


# --- sessions ----------------------------------------------------------------------------------


def age_session(client, *, started_ago=0, seen_ago=0):
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now - started_ago
    session[SESSION_SEEN] = now - seen_ago
    session.save()


@pytest.mark.django_db
def test_staff_session_ends_after_thirty_idle_minutes(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    age_session(client, seen_ago=31 * 60)
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_session_survives_twenty_nine_idle_minutes(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    age_session(client, seen_ago=29 * 60)
    assert client.get("/accounts/email/").status_code == 200


@pytest.mark.django_db
def test_learner_session_is_not_ended_by_idleness(client, learner):
    client.force_login(learner)
    age_session(client, started_ago=3 * 60 * 60, seen_ago=3 * 60 * 60)
    assert client.get("/accounts/email/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["learner", "staff_with_mfa", "admin_with_mfa"])
def test_every_session_ends_twelve_hours_after_sign_in(client, request, role):
    client.force_login(request.getfixturevalue(role))
    age_session(client, started_ago=12 * 60 * 60 + 1)
    response = client.get("/home/")
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_in_starts_the_session_clock(client):
    LearnerFactory(email="clock@example.org")
    before = int(time.time())
    client.post("/accounts/login/", {"login": "clock@example.org", "password": PASSWORD})
    assert client.session[SESSION_STARTED] >= before


# --- two-factor authentication for staff ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [PartnerStaffFactory, ProgrammeAdminFactory])
@pytest.mark.parametrize("path", ["/home/", "/admin/", "/accounts/email/"])
def test_staff_without_mfa_is_sent_to_set_it_up_first(client, factory, path):
    client.force_login(factory())
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
def test_staff_without_mfa_can_still_reach_the_setup_page_and_sign_out(client):
    PartnerStaffFactory(email="newstaff@example.org")
    response = client.post(
        "/accounts/login/", {"login": "newstaff@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/home/"
    response = client.get("/home/", follow=True)
    # allauth asks for the password again before an authenticator is added.
    assert [url for url, _ in response.redirect_chain][:2] == [
        "/accounts/2fa/totp/activate/",
        "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F",
    ]
    assert response.status_code == 200
    response = client.post(
        "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F",
        {"password": PASSWORD},
        follow=True,
    )
    assert response.request["PATH_INFO"] == "/accounts/2fa/totp/activate/"
    assert response.status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_learner_is_not_asked_for_mfa(client, learner):
    client.force_login(learner)
    assert client.get("/accounts/email/").status_code == 200
    assert client.get("/home/")["Location"] == "/learn/"


@pytest.mark.django_db
def test_staff_cannot_remove_their_authenticator(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=staff_with_mfa, type="totp").exists()


@pytest.mark.django_db
def test_totp_secret_is_encrypted_at_rest(db):
    user = PartnerStaffFactory()
    secret = give_totp(user)
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert stored != secret
    assert secret not in stored
