"""Fixtures shared by the whole suite."""

import os
import shutil
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app as celery_app

from .services import IN_CI

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously there, which is safe in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.celery_worker"]


def pytest_configure(config):
    if IN_CI and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("REQUIRE_SERVICES=1 but the suite is not on PostgreSQL", returncode=3)


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may pass by skipping: a skipped test fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"REQUIRE_SERVICES=1: {skipped} test(s) skipped — failing the run.")
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
