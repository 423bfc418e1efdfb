"""Fixtures of the fault tests: a Redis of the test's own (cache and broker of this process) and
real Celery workers against it, which the tests stop, kill and start again."""

import uuid

import pytest
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from tests.credentials.fake_provider import FakeProvider

from .processes import RedisServer, Worker


@pytest.fixture
def fake_provider():
    """A course provider's enrolment API: a real HTTP server on a spare port of 127.0.0.1."""
    server = FakeProvider().start()
    yield server
    server.stop()


def _drop_broker_connections() -> None:
    """Forget pooled broker connections, so the next send connects to the configured URL.

    Celery's pool is kombu's global one for the broker URL: closing it without clearing kombu's
    pools would leave a closed pool behind for the next test on the machine's broker
    ("Acquire on closed pool")."""
    kombu_pools.reset()
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_server(transactional_db, settings, tmp_path, monkeypatch):
    """A started redis-server on a spare port; the portal's cache (rate limits, throttles) and
    Celery's broker point at it, and jobs go through it (not in-process)."""
    server = RedisServer(tmp_path).start()
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": server.url(1),
        "KEY_PREFIX": f"faults-{uuid.uuid4().hex}",
        "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
    }
    settings.CACHES = caches
    settings.REDIS_URL = server.url(1)
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_default_queue
    _drop_broker_connections()
    conf.broker_url = server.url(0)
    # Celery reads the CELERY_BROKER_URL variable before its own setting (scripts/with_services.py
    # sets it to the machine's Redis): without this, jobs would go there, not to this server.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url(0))
    conf.task_default_queue = f"faults-{uuid.uuid4().hex}"
    conf.task_always_eager = False
    try:
        yield server
    finally:
        _drop_broker_connections()
        conf.broker_url, conf.task_default_queue = saved
        server.stop()


@pytest.fixture
def workers(redis_server, tmp_path):
    """Make a worker against the test's Redis: `workers(**env)`; every one is stopped at the end
    and its log printed (shown when the test fails)."""
    made: list[Worker] = []

    def make(**env: str) -> Worker:
        worker = Worker(
            tmp_path,
            redis_server.url(0),
            celery_app.conf.task_default_queue,
            {key: str(value) for key, value in env.items()},
        )
        made.append(worker)
        return worker

    try:
        yield make
    finally:
        for worker in made:
            worker.stop()
        if made:
            print(made[0].log_tail())
