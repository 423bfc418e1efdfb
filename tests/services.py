"""Tests that need a real service skip only outside CI; in CI (REQUIRE_SERVICES=1) they fail."""

import os

import pytest
from django.conf import settings

IN_CI = os.environ.get("REQUIRE_SERVICES") == "1"
# `make test-default`: the README's default set-up (SQLite, jobs in-process, no Redis), where the
# tests marked postgres_only are deselected and nothing else may skip either.
DEFAULT_SETUP = os.environ.get("DEFAULT_SETUP") == "1"


def require_postgres():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("needs PostgreSQL (make test uses it when it runs on 127.0.0.1:5432)")


def require_redis():
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("Redis is required in CI")
        pytest.skip("needs Redis (make test uses it when it runs on 127.0.0.1:6379)")
