"""Fixtures shared by the whole suite."""

import os
import shutil
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app as celery_app

from .services import DEFAULT_SETUP, IN_CI

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously there, which is safe in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.celery_worker"]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if IN_CI and engine != "django.db.backends.postgresql":
        pytest.exit("REQUIRE_SERVICES=1 but the suite is not on PostgreSQL", returncode=3)
    if DEFAULT_SETUP and (
        engine != "django.db.backends.sqlite3" or settings.CELERY_BROKER_URL or settings.REDIS_URL
    ):
        pytest.exit(
            "DEFAULT_SETUP=1 runs on the README's default: unset DATABASE_URL, REDIS_URL and "
            "CELERY_BROKER_URL",
            returncode=3,
        )


# Tests using these fixtures need a real Redis, worker or PostgreSQL (tests/services.py): like
# the `worker` marker, they are postgres_only, left out of the default-set-up run.
SERVICE_FIXTURES = frozenset(
    {"celery_worker", "redis_server", "postgres", "portal_without_database"}
)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("worker") or SERVICE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.postgres_only)


def pytest_sessionfinish(session, exitstatus):
    """In CI and in the default-set-up run nothing may pass by skipping: a skipped test fails
    the run (in the default-set-up run, what needs PostgreSQL is deselected, not skipped)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if (IN_CI or DEFAULT_SETUP) and skipped and exitstatus == 0:
        why = "REQUIRE_SERVICES=1" if IN_CI else "DEFAULT_SETUP=1"
        reporter.write_line(f"{why}: {skipped} test(s) skipped — failing the run.")
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Static files as production serves them: hashed names, gzip and brotli copies."""
    root = tmp_path_factory.mktemp("static")
    settings.STATIC_ROOT = root
    call_command("collectstatic", interactive=False, verbosity=0)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _eager_celery_and_fast_hashing(settings):
    """Jobs run in-process unless a test starts a real worker (see the `celery_worker` fixture)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Rate-limit counters live in the (Redis) cache: each test counts in a namespace of its own,
    so tests running in parallel never see each other's counters and nothing needs flushing."""
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture
def sms_outbox(settings):
    """The text messages sent during the test, as (number, text), through a recording backend."""
    from tests.sms_recording import RecordingBackend

    settings.SMS_BACKEND = "tests.sms_recording.RecordingBackend"
    RecordingBackend.sent = []
    yield RecordingBackend.sent
    RecordingBackend.sent = []
