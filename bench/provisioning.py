"""provisioning_per_s: enrolments provisioned through a real Celery worker process
(bench/provisioning_run.py), in the million-learner database."""

import json
import subprocess
import sys

from . import services

TARGET_PER_S = 200


def provisioning_rate(args, database_url: str, report) -> None:
    with (
        services.redis_server() as redis_url,
        services.celery_worker(database_url, redis_url, concurrency=args.worker_concurrency),
    ):
        result = subprocess.run(  # noqa: S603 — our own interpreter and module
            [sys.executable, "-m", "bench.provisioning_run", "--enrolments", str(args.enrolments)],
            cwd=services.ROOT,
            env=services.child_env(database_url, redis_url),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode:
        sys.exit(
            f"bench.provisioning_run failed:\n{result.stderr[-3000:]}\n"
            f"worker log: {services.LOGS / 'celery.log'}"
        )
    data = json.loads(result.stdout)
    print(
        f"# {data['enrolments']:,} enrolments by a Celery worker "
        f"({args.worker_concurrency} processes) against a fake provider API: "
        f"{data['seconds']:.1f} s from the first enqueue to all active "
        f"({data['enqueue_seconds']:.1f} s enqueueing), {data['calls']:,} provider calls"
    )
    report("provisioning_per_s", data["enrolments"] / data["seconds"], ">=", TARGET_PER_S, "{:.0f}")
