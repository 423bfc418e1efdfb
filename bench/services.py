"""Processes a benchmark starts for itself and stops afterwards: a Redis server on a spare port
(never the machine's shared one), gunicorn with the production settings, a Celery worker.

Each is a context manager; output goes to a log file under the bench's temporary directory,
shown when the process fails to start.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOGS = Path(tempfile.gettempdir()) / "portal-bench-logs"
# Static files as production serves them (hashed names from the manifest), collected once.
STATIC_ROOT = Path(tempfile.gettempdir()) / "portal-bench-static"


def database_url(base: str, name: str) -> str:
    """`base` (a PostgreSQL URL) naming the database `name` instead."""
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{process.args[0]} stopped at start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    sys.exit(f"{process.args[0]} did not open port {port}:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, seconds: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def child_env(database_url: str, redis_url: str = "", **extra: str) -> dict:
    """Environment of a portal process of the bench. Without `redis_url`: in-process jobs and a
    local cache, so nothing reaches the Redis of a portal running on this machine."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "STATIC_ROOT": str(STATIC_ROOT),
        "CACHE_KEY_PREFIX": "bench",
        "CELERY_QUEUE": "bench",
        **extra,
    }


def _start(command: list[str], name: str, env: dict) -> tuple[subprocess.Popen, Path]:
    LOGS.mkdir(exist_ok=True)
    log = LOGS / f"{name}.log"
    handle = log.open("w")
    process = subprocess.Popen(  # noqa: S603 — programs of this machine and of the venv
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    return process, log


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A Redis of the bench's own on a spare port, in memory only: yields its URL."""
    binary = shutil.which("redis-server")
    if not binary:
        sys.exit("redis-server is not installed (apt-get install redis-server).")
    port = spare_port()
    process, log = _start(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        "redis",
        dict(os.environ),
    )
    try:
        wait_for_port(port, process, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


@contextlib.contextmanager
def gunicorn(database_url: str, redis_url: str, *, workers: int = 2) -> Iterator[str]:
    """The portal under gunicorn (config/gunicorn.conf.py, `workers` sync workers): its base URL."""
    port = spare_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--config",
        "config/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    env = child_env(database_url, redis_url, LOG_LEVEL="WARNING")
    process, log = _start(command, "gunicorn", env)
    try:
        wait_for_port(port, process, log, seconds=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextlib.contextmanager
def celery_worker(database_url: str, redis_url: str, *, concurrency: int = 2) -> Iterator[None]:
    """A real Celery worker (prefork, `concurrency` processes) on the bench's queue."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--loglevel=WARNING",
        f"--concurrency={concurrency}",
        "--queues=bench",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process, _log = _start(command, "celery", child_env(database_url, redis_url))
    try:
        yield
    finally:
        stop(process, seconds=30)
