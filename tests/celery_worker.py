"""A real Celery worker process against Redis, for tests that must cross the broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app

from .services import require_redis

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """Start `celery worker` on a queue of this test's own (and a documents queue of its own,
    config.celery.route_task), sharing the test database.

    Yields the folder where the worker's e-mail backend writes messages.
    """
    require_redis()
    queue = f"test-{uuid.uuid4().hex}"
    settings.CELERY_DOCUMENTS_QUEUE = f"{queue}-documents"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(),
        CELERY_QUEUE=queue,
        CELERY_DOCUMENTS_QUEUE=settings.CELERY_DOCUMENTS_QUEUE,
        EMAIL_URL=f"filemail:///{outbox}",  # django-environ drops one leading slash
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            f"{queue},{settings.CELERY_DOCUMENTS_QUEUE}",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield outbox
    finally:
        celery_app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        print((tmp_path / "worker.log").read_text()[-3000:])


def worker_outbox_messages(folder: Path, count: int = 1, seconds: float = 60) -> list[str]:
    """The e-mails the worker wrote, once `count` of them are complete (Django's file backend
    ends each message with a line of 79 dashes; a file can exist before it is written)."""
    import time

    separator = "-" * 79
    deadline = time.monotonic() + seconds
    while True:
        messages = [
            text
            for path in sorted(folder.iterdir())
            for text in [path.read_text()]
            if separator in text
        ]
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.2)
