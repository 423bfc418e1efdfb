"""Services the fault tests start, stop and kill themselves: a Redis server and a Celery worker on
spare ports of 127.0.0.1, never the machine's shared ones."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import IN_CI

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(condition, *, seconds: float = 60, message: str = "condition") -> None:
    """Poll `condition` until it is true; fail the test (with `message`) after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {message}")
        time.sleep(0.1)


class RedisServer:
    """A redis-server of the test's own, which the test can stop and start again on the same
    port (nothing is persisted: a restarted server is empty, as after a crash without AOF)."""

    def __init__(self, folder: Path) -> None:
        if not os.path.exists(REDIS_SERVER):
            if IN_CI:
                pytest.fail("redis-server is required in CI")
            pytest.skip("needs redis-server (apt-get install redis-server)")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        log = open(self.folder / f"redis-{self.port}.log", "a")  # noqa: SIM115 — the child keeps it
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self._answers, seconds=START_SECONDS, message=f"redis on port {self.port}")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"redis-server exited with {self.process.returncode}")
        return port_open(self.port)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop the server (SIGKILL by default: a crash, with no goodbye to the clients)."""
        if self.process is None:
            return
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self.process = None
        wait_until(lambda: not port_open(self.port), seconds=10, message="redis to close")


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery -A config worker` (solo pool: the process that runs the task is the one a test
    kills) against the test's own Redis, sharing the test database."""

    def __init__(self, folder: Path, broker_url: str, queue: str, env: dict[str, str]) -> None:
        self.folder = folder
        self.broker_url = broker_url
        self.queue = queue
        self.env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.folder / "worker.log"

    def start(self) -> "Worker":
        self.starts += 1
        env = dict(
            os.environ,
            DATABASE_URL=database_url(),
            REDIS_URL=self.broker_url,
            CELERY_BROKER_URL=self.broker_url,
            CELERY_QUEUE=self.queue,
            EMAIL_URL="memorymail://",
        )
        env.update(self.env)  # a test's own settings win (an e-mail backend, timeouts...)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        with open(self.log_path, "a") as log:
            log.write(f"\n--- worker start {self.starts}\n")
            log.flush()
            self.process = subprocess.Popen(
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
                    self.queue,
                    f"--hostname=faults-{self.starts}@%h",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._ready, seconds=START_SECONDS * 2, message="the worker to be ready")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log_tail()}")
        return " ready." in self.log_path.read_text().split("--- worker start")[-1]

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no rollback but PostgreSQL's own."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path.exists() else ""
