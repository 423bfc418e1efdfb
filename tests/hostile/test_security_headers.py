"""Security headers on every page, for every role: the permission-matrix world is walked URL by
URL, signed in as each role, and every answer (a page, a redirect, a 404, a JSON or PDF document)
must carry the browser protections. Anything personal must never be stored by a cache.
"""

import re

import pytest
from django.templatetags.static import static
from django.test import Client, override_settings

from credentials.services.provider_keys import provider_api_key_create
from partners.services.api_keys import api_key_create
from tests.matrix.test_permission_matrix import GET_MATRIX, client_for
from tests.matrix.test_permission_matrix import world as world  # the fixture
from tests.matrix.urls import url_for
from tests.matrix.world import ROLES

# Public answers that hold nothing personal and are meant to be cached by anyone.
DELIBERATELY_PUBLIC = {
    "verify:credential_qr",
    "verify:status_list",
    # The issuer's DID document: public keys only, resolved by any verifier (decision 0025).
    "did:document",
    "did:document_at_path",
}
# Public pages that show a person's data (the credential holder's name).
PUBLIC_PERSONAL = {"verify:credential", "verify:credential_json", "verify:credential_pdf"}
ONE_YEAR = 365 * 24 * 60 * 60
API = {"api:applications", "api:application_detail", "api:application_decision"}
PROVIDER_API = {"credentials_api:completions"}
# Machine-client URLs ignore sessions: a signed-in person gets what anybody gets (keys: below).
SESSIONLESS = API | PROVIDER_API | {"api:schema"}

HSTS = {
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def assert_browser_protections(response, where: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert "object-src 'none'" in csp, where
    assert "frame-ancestors 'none'" in csp, where
    assert "default-src 'self'" in csp, where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("Referrer-Policy") in {"same-origin", "no-referrer"}, where
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", where


def assert_not_stored(response, where: str) -> None:
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{where}: {cache_control!r}"
    assert "public" not in cache_control, f"{where}: {cache_control!r}"


def api_clients(world) -> dict[str, Client]:
    """Clients holding real keys of partner A and of the course's provider."""
    coordinator = world.users["coordinator_a"]
    partner_key = api_key_create(partner=world.partner_a, name="cms", acting_user=coordinator)[1]
    provider_key = provider_api_key_create(
        provider=world.course.provider, name="lms", acting_user=world.users["admin"]
    )[1]
    return {
        "partner": Client(headers={"Authorization": f"Api-Key {partner_key}"}),
        "provider": Client(headers={"Authorization": f"Api-Key {provider_key}"}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_to_every_role_carries_the_security_headers(world, role):
    client = client_for(world, role)
    for name in sorted(GET_MATRIX):
        response = client.get(url_for(name, world))
        where = f"{name} as {role} ({response.status_code})"
        assert_browser_protections(response, where)
        if role != "anonymous" and name not in DELIBERATELY_PUBLIC | SESSIONLESS:
            assert_not_stored(response, where)
            assert "Cookie" in response.get("Vary", ""), where


def test_public_pages_showing_a_person_are_never_stored(world):
    for name in sorted(PUBLIC_PERSONAL):
        response = Client().get(url_for(name, world))
        assert response.status_code == 200, name
        assert_not_stored(response, name)
        assert response["X-Robots-Tag"] == "noindex", name


def test_api_answers_to_key_holders_are_never_stored(world):
    clients = api_clients(world)
    for name in sorted(API):
        url = url_for(name, world)
        response = clients["partner"].get(url)
        where = f"{name} ({response.status_code})"
        assert response.status_code in {200, 405}, where
        assert_browser_protections(response, where)
        assert_not_stored(response, where)
    response = clients["provider"].post(
        url_for("credentials_api:completions", world),
        {"email": "nobody@example.org", "course_id": "x"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert_browser_protections(response, "completions")
    assert_not_stored(response, "completions")


def test_deliberately_public_documents_keep_their_caching(world):
    for name in sorted(DELIBERATELY_PUBLIC):
        response = Client().get(url_for(name, world))
        assert response.status_code == 200, name
        assert "public" in response["Cache-Control"], name
        assert "no-store" not in response["Cache-Control"], name


def test_static_files_keep_long_immutable_caching(client, collected_static):
    response = client.get(static("portal/portal.css"))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= ONE_YEAR and "immutable" in cache_control, cache_control
    assert "no-store" not in cache_control


def role_that_sees(name: str) -> str:
    """The first role the permission matrix lets see the page (anonymous if nobody, e.g. the
    API without a key or a POST-only URL: those answers need the headers too)."""
    return next((role for role in ROLES if GET_MATRIX[name][role] == 200), "anonymous")


def test_every_page_sends_hsts_with_production_settings(world):
    with override_settings(**HSTS):
        clients = {role: client_for(world, role) for role in ROLES}
        for name in sorted(GET_MATRIX):
            role = role_that_sees(name)
            url = url_for(name, world)
            response = clients[role].get(url, secure=True)
            hsts = response.get("Strict-Transport-Security", "")
            where = f"{name} as {role} ({response.status_code})"
            assert "max-age=31536000" in hsts, where
            assert "includeSubDomains" in hsts and "preload" in hsts, where
            assert_browser_protections(response, where)
            # Plain HTTP is sent to HTTPS, never answered.
            insecure = clients[role].get(url)
            assert insecure.status_code == 301, where
            assert insecure["Location"].startswith("https://"), where
