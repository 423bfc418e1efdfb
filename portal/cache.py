"""Values cached under a version: any change replaces the version, and every value stored under
the old one is ignored from then on (and expires). The cache is Redis in production; when it is
down, values are computed each time and nothing fails."""

import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


def version_replace(version_key: str) -> None:
    """After a change: whatever was cached under this version is stale."""
    try:
        cache.delete(version_key)
    except Exception:  # the cache (Redis) is down: the values expire on their own
        logger.warning("could not invalidate %s (cache unavailable)", version_key)


def versioned_get_or_build(
    *, version_key: str, key: str, build: Callable[[], T], timeout: int
) -> T:
    """The value under `key` if it was stored at the current version, else `build()` (stored)."""
    try:
        # One round trip: the value is stored with the version it was built at, and only used
        # while that is still the current version.
        found = cache.get_many([version_key, key])
        version = found.get(version_key)
        if version is None:
            cache.add(version_key, secrets.token_hex(8), timeout=None)
            version = cache.get(version_key)
    except Exception:
        logger.warning("%s built without the cache (cache unavailable)", key.split(":")[0])
        return build()
    cached = found.get(key)
    if cached and cached[0] == version:
        return cached[1]
    value = build()
    try:
        cache.set(key, (version, value), timeout)
    except Exception:
        logger.warning("%s not cached (cache unavailable)", key.split(":")[0])
    return value
