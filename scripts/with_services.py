"""Run a command against PostgreSQL and Redis on 127.0.0.1 when they are there.

`make test` uses it: on this project's machines both services run locally, so the suite runs on
them as production does. Elsewhere it says clearly that it falls back to SQLite and in-process
jobs. With REQUIRE_SERVICES=1 (as in CI) a missing service is an error, never a quiet fallback.
"""

import os
import socket
import sys

PG_URL = "postgres://postgres@127.0.0.1:5432/portal"
# The cache (rate limits) and the Celery broker use separate Redis databases.
REDIS_URL = "redis://127.0.0.1:6379/1"
BROKER_URL = "redis://127.0.0.1:6379/2"


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def main() -> None:
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    env = os.environ
    missing = []
    if "DATABASE_URL" not in env:
        if reachable(5432):
            env["DATABASE_URL"] = PG_URL
        else:
            missing.append("PostgreSQL (127.0.0.1:5432)")
    if "REDIS_URL" not in env:
        if reachable(6379):
            env["REDIS_URL"] = REDIS_URL
            env.setdefault("CELERY_BROKER_URL", BROKER_URL)
        else:
            missing.append("Redis (127.0.0.1:6379)")
    if missing:
        message = "not reachable: " + ", ".join(missing)
        if required:
            sys.exit(f"with_services: {message}; REQUIRE_SERVICES=1, so this is an error.")
        print(
            f"with_services: {message} — falling back to SQLite and in-process jobs; "
            "tests that need PostgreSQL, Redis or a Celery worker will be skipped.",
            file=sys.stderr,
        )
    else:
        print(f"with_services: using {env['DATABASE_URL']} and {env['REDIS_URL']}", file=sys.stderr)
    os.execvp(sys.argv[1], sys.argv[1:])  # noqa: S606 — runs the command the Makefile gives


if __name__ == "__main__":
    main()
