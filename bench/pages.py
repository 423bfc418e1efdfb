"""The pages under load: gunicorn (2 sync workers, production settings) on the million-learner
database, with a Redis of the bench's own, loaded by wrk; and the review queue's deep page.

`pages_under_load` gives the throughput of the review queue, the learner dashboard and the
catalogue relative to the trivial /healthz in the same run, and their p99 at 16 connections;
`load` (bench/load.py) runs the same set-up with 64 connections for a minute.
"""

import contextlib
import json
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from . import services, wrk


@dataclass(frozen=True)
class Target:
    name: str  # the figure's prefix: queue, learner_dashboard, catalogue
    path: str
    cookie: str  # "" for an anonymous request


@dataclass(frozen=True)
class Site:
    base: str
    setup: dict
    targets: list[Target]

    def headers(self, target: Target) -> dict[str, str]:
        headers = {"Accept-Encoding": "gzip", "Accept-Language": "en"}
        if target.cookie:
            headers["Cookie"] = f"{self.setup['cookie_name']}={target.cookie}"
        return headers


def _setup(database_url: str, redis_url: str, depth: int) -> dict:
    result = subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "bench.pages_setup", "--depth", str(depth)],
        cwd=services.ROOT,
        env=services.child_env(database_url, redis_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"bench.pages_setup failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def fetch(site: Site, target: Target) -> tuple[int, bytes]:
    """One request as wrk sends it, without following redirects: (status, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(site.base + target.path, headers=site.headers(target))  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@contextlib.contextmanager
def site(database_url: str, *, depth: int = 100_000) -> Iterator[Site]:
    """Redis, the sessions and gunicorn; every page checked to answer 200 before it is loaded."""
    wrk.ensure_wrk()
    with services.redis_server() as redis_url:
        setup = _setup(database_url, redis_url, depth)
        with services.gunicorn(database_url, redis_url) as base:
            targets = [
                Target("trivial", "/healthz", ""),
                Target("queue", setup["queue"], setup["reviewer_cookie"]),
                Target("learner_dashboard", setup["dashboard"], setup["learner_cookie"]),
                Target("catalogue", setup["catalogue"], setup["learner_cookie"]),
            ]
            result = Site(base=base, setup=setup, targets=targets)
            for target in targets:
                status, _body = fetch(result, target)
                if status != 200:
                    sys.exit(f"{target.path} answered {status} instead of 200: nothing to measure")
            yield result


def load(site: Site, target: Target, *, connections: int, seconds: int) -> wrk.WrkResult:
    # A short untimed run first: both workers warm (imports, templates, connections). Then one
    # request to /healthz, answered only once the workers have served what wrk left queued.
    wrk.run(
        site.base + target.path, connections=connections, seconds=2, headers=site.headers(target)
    )
    fetch(site, site.targets[0])
    return wrk.run(
        site.base + target.path,
        connections=connections,
        seconds=seconds,
        headers=site.headers(target),
    )


def median_ms(site: Site, target: Target, requests: int) -> float:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _body = fetch(site, target)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"{target.path} answered {status}")
    return statistics.median(times)


TARGET_RATIOS = {"queue": 0.15, "learner_dashboard": 0.25, "catalogue": 0.25}
TARGET_P99_MS = 150.0
TARGET_DEEP_RATIO = 2.0


def pages_under_load(args, database_url: str, report) -> None:
    with site(database_url) as running:
        results = {}
        for target in running.targets:
            results[target.name] = load(running, target, connections=16, seconds=args.wrk_seconds)
        trivial = results["trivial"]
        print(f"# wrk -c16 -d{args.wrk_seconds}s, gunicorn 2 sync workers, {running.base}")
        for name, result in results.items():
            errors = f", {result.errors} errors" if result.errors else ""
            print(
                f"# {name}: {result.requests_per_s:.1f} requests/s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms{errors}"
            )
        for name in ("queue", "learner_dashboard", "catalogue"):
            ratio = results[name].requests_per_s / trivial.requests_per_s
            report(f"{name}_vs_trivial", ratio, ">=", TARGET_RATIOS[name], "{:.3f}")
        for name in ("queue", "learner_dashboard", "catalogue"):
            report(
                f"{name}_p99_ms_under_16_connections",
                results[name].p99_ms,
                "<=",
                TARGET_P99_MS,
                "{:.1f}",
            )
        if any(r.errors for r in results.values()):
            report(
                "pages_errors_under_16_connections",
                sum(r.errors for r in results.values()),
                "<=",
                0,
                "{}",
            )

        setup = running.setup
        cookie = setup["reviewer_cookie"]
        first = Target("queue_first", setup["queue_first"], cookie)
        deep = Target("queue_deep", setup["queue_deep"], cookie)
        median_ms(running, first, 10)  # warm-up
        median_ms(running, deep, 10)
        first_ms = median_ms(running, first, args.requests_deep)
        deep_ms = median_ms(running, deep, args.requests_deep)
        print(
            f"# review queue of {setup['partner']} ({setup['queue_size']:,} applications, all "
            f"statuses): first page {first_ms:.1f} ms, page at depth 100,000 {deep_ms:.1f} ms "
            "(medians)"
        )
        report("deep_page_vs_first_page", deep_ms / first_ms, "<=", TARGET_DEEP_RATIO, "{:.2f}")
