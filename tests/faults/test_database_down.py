"""PostgreSQL unreachable: the portal, served by gunicorn with production settings, answers a
generic page (503, Retry-After), in the visitor's language, with no traceback, no setting and
nothing personal — and JSON on the API."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from .processes import ROOT, free_port, port_open, wait_until

SECRET = "fault-test-secret-key-that-must-never-appear-in-a-page-1234567890"


@pytest.fixture(scope="module")
def portal_without_database(tmp_path_factory, collected_static):
    """gunicorn serving the portal with DATABASE_URL pointing at a port nobody listens on."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port, dead_port = free_port(), free_port()
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://portal_user:db-password@127.0.0.1:{dead_port}/portal",
        REDIS_URL="",
        CELERY_BROKER_URL="",
        STATIC_ROOT=str(collected_static),
        EMAIL_URL="consolemail://",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        return port_open(port)

    try:
        wait_until(up, seconds=60, message="gunicorn to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        print(log_path.read_text()[-3000:])


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


# A signed-in visitor's session cookie: reading it needs the database.
SESSION = {"Cookie": f"{settings.SESSION_COOKIE_NAME}=abcdefghijklmnopqrstuvwxyz012345"}
NEVER_SHOWN = (
    "Traceback",
    "OperationalError",
    "psycopg",
    "postgres",
    "db-password",
    "portal_user",
    SECRET,
    "/work/",
    "settings",
)


def assert_generic_outage(status: int, headers: dict, body: str) -> None:
    assert status == 503, body[:500]
    assert headers["Retry-After"] == "120"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    for text in NEVER_SHOWN:
        assert text not in body


@pytest.mark.parametrize("path", ["/learn/", "/courses/", "/staff/", "/accounts/login/"])
def test_pages_answer_a_branded_503_without_the_database(portal_without_database, path):
    status, headers, body = fetch(portal_without_database + path, headers=SESSION)

    assert_generic_outage(status, headers, body)
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="en" dir="ltr">' in body
    assert "The portal is briefly unavailable" in body
    assert "Learner Access Portal" in body
    assert "/static/vendor/bootstrap/bootstrap.min." in body  # styled, from the hashed files


def test_sign_in_without_the_database_answers_503(portal_without_database):
    # The sign-in form itself needs no database (an anonymous visitor has no session yet).
    status, headers, form = fetch(portal_without_database + "/accounts/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]

    status, headers, body = fetch(
        portal_without_database + "/accounts/login/",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        data=urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "login": "amal@example.org",
                "password": "a-long-enough-password-1",
            }
        ).encode(),
    )

    assert_generic_outage(status, headers, body)
    assert "The portal is briefly unavailable" in body
    assert "amal@example.org" not in body
    assert "a-long-enough-password-1" not in body


def test_the_outage_page_follows_the_visitors_language(portal_without_database):
    status, headers, body = fetch(
        portal_without_database + "/learn/", headers={**SESSION, "Accept-Language": "fa"}
    )
    assert_generic_outage(status, headers, body)
    assert '<html lang="fa" dir="rtl">' in body
    assert "bootstrap.rtl.min" in body


def test_the_api_answers_503_in_json_without_the_database(portal_without_database):
    status, headers, body = fetch(
        portal_without_database + "/api/v1/applications/",
        headers={"Authorization": "Api-Key pk_0123456789abcdef.secret"},
    )
    assert_generic_outage(status, headers, body)
    assert headers["Content-Type"] == "application/json"
    assert body.startswith('{"detail": ')
