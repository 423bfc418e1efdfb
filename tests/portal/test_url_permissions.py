"""Every URL pattern, walked: anonymous visitors are sent to sign in except on public pages.

Later issues extend this into the full role matrix (learner A/B, reviewers of partner A/B,
coordinator, programme admin).
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from .urlwalk import walk_urls

# Pages anyone may open without signing in. Everything else must send them to sign in.
PUBLIC = {
    "portal:landing",
    "portal:privacy",
    "portal:help",
    "healthz",
    "set_language",
    "learners:join",
    # The link e-mailed to someone registered in person with an address (a secret token).
    "learners:assisted_confirm",
    "courses:catalogue",
    "courses:course",
    # Machine clients authenticate with a partner API key: a stranger gets a JSON 401.
    "api:applications",
    "api:application_detail",
    "api:application_decision",
    "api:schema",
    "credentials_api:completions",
    # Public verification of a credential: anyone holding its link.
    "verify:status_list",
    "verify:credential",
    "verify:credential_json",
    "verify:credential_qr",
    "verify:credential_pdf",
    # The issuer's DID document (did:web): verifiers resolve the issuer with it.
    "did:document",
    "did:document_at_path",
    # OpenID4VCI (decision 0026): called by wallet apps, which have no session.
    "wallet:issuer_metadata",
    "wallet:authorization_server_metadata",
    "wallet:offer",
    "wallet:token",
    "wallet:nonce",
    "wallet:credential",
    "account_login",
    "account_signup",
    "account_logout",
    "account_inactive",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    # Asking for a sign-in code (by e-mail or SMS) is a way to sign in.
    "account_request_login_code",
    # Steps inside a sign-in that only make sense mid-login; they send a stranger back to login.
    "account_confirm_login_code",
    "account_verify_phone",
    "mfa_authenticate",
}

ALL_URLS = list(walk_urls())


def test_url_walk_finds_the_portal_pages():
    names = {u.name for u in ALL_URLS}
    assert {"portal:landing", "portal:home", "account_login", "admin:index"} <= names
    assert len(ALL_URLS) > 50


def test_public_list_names_only_existing_urls():
    assert {u.name for u in ALL_URLS} >= PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_URLS, ids=lambda u: u.name)
def test_anonymous_visitor_is_sent_to_sign_in_except_on_public_pages(client, url):
    response = client.get(url.path, follow=True)
    final_path = urlsplit(response.request["PATH_INFO"]).path
    login_path = reverse(settings.LOGIN_URL)
    if url.name in PUBLIC:
        assert response.status_code < 500
        return
    assert final_path == login_path, f"{url.path} ended at {final_path}"
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [u for u in ALL_URLS if not u.name.startswith("admin:")], ids=lambda u: u.name
)
@pytest.mark.parametrize("role", ["learner", "staff_with_mfa", "admin_with_mfa"])
def test_signed_in_roles_never_get_a_server_error(client, request, url, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url.path)
    assert response.status_code < 500


@pytest.mark.django_db
def test_learner_cannot_open_the_django_admin(client, learner):
    client.force_login(learner)
    assert client.get("/admin/", follow=True).status_code == 403


@pytest.mark.django_db
def test_partner_staff_cannot_open_the_django_admin(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    assert client.get("/admin/", follow=True).status_code == 403


@pytest.mark.django_db
def test_programme_admin_with_mfa_opens_the_django_admin(client, admin_with_mfa):
    client.force_login(admin_with_mfa)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/portal/auditevent/").status_code == 200
