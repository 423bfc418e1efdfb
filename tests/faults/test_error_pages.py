"""The error pages: branded, translated, right-to-left where needed, never showing the error,
never cached, and JSON under /api/."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.faults.urls")]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_error_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert heading in page
    assert "Traceback" not in page and "internal" not in page
    return page


def test_unknown_address_gets_the_branded_404(client):
    page = assert_error_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "Learner Access Portal" in page
    assert '<html lang="en" dir="ltr">' in page


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_error_pages_are_right_to_left_in_arabic_and_farsi(client, language):
    response = client.get("/no-such-page/", headers={"accept-language": language})
    page = assert_error_page(response, 404, "<h1")
    assert f'<html lang="{language}" dir="rtl">' in page
    assert "bootstrap.rtl.min" in page


def test_an_unexpected_error_gets_a_generic_500_without_its_detail(client):
    page = assert_error_page(client.get("/test-faults/crash/"), 500, "Something went wrong")
    assert "db-password" not in page and "RuntimeError" not in page


def test_permission_denied_gets_the_branded_403(client):
    assert_error_page(client.get("/test-faults/forbidden/"), 403, "Not allowed")


def test_a_bad_host_gets_the_branded_400(client):
    assert_error_page(client.get("/", headers={"host": "attacker.example"}), 400, "Bad request")


def test_api_errors_are_json(client):
    missing = client.get("/api/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}
    crashed = client.get("/api/test-faults/crash/")
    assert crashed.status_code == 500
    assert set(crashed.json()) == {"detail"}
    assert "db-password" not in crashed.content.decode()
