"""`python -m bench [--only dashboard] [--sizes 100000,1000000]` — see bench/README.md.

For each size: a database portal_bench_<100k|1m> (created, migrated and filled by
`seed_demo --learners N --seed 1`; kept when it already holds that many learners), then the
programme dashboard timed in it by bench/dashboard.py. Prints `name: value` lines.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 1
TARGET_P95_MS = 50.0
TARGET_RATIO = 1.5
BENCHMARKS = ["dashboard"]


def size_name(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


# Static files as production serves them (hashed names from the manifest), collected once.
STATIC_ROOT = Path(tempfile.gettempdir()) / "portal-bench-static"


def child_env(url: str) -> dict:
    # In-process jobs and a local cache: nothing the bench does may reach the Redis queue or
    # cache of a portal running on this machine (a worker there would use another database).
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "STATIC_ROOT": str(STATIC_ROOT),
    }


class Server:
    """The PostgreSQL server of DATABASE_URL, for creating and inspecting bench databases."""

    def __init__(self, base_url: str):
        import psycopg2

        parts = urlsplit(base_url)
        self.connection = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
        )
        self.connection.autocommit = True

    def query(self, sql: str, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description else None

    def marker(self, name: str) -> str | None:
        """The note `seed_demo` runs leave on a bench database (None: no such database)."""
        row = self.query(
            "SELECT COALESCE(shobj_description(oid, 'pg_database'), '') "
            "FROM pg_database WHERE datname = %s",
            [name],
        )
        return None if row is None else row[0]

    def recreate(self, name: str) -> None:
        self.query(f'DROP DATABASE IF EXISTS "{name}"')
        self.query(f'CREATE DATABASE "{name}"')

    def note(self, name: str, text: str) -> None:
        self.query(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")


def run(command: list[str], url: str, *, show_from: str | None = None) -> None:
    """Run a manage.py command against one bench database, showing its output from the line
    that starts with `show_from` (seed_demo first prints the demo accounts)."""
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and manage.py
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=child_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    showing = show_from is None
    lines = []
    for line in process.stdout:
        lines.append(line)
        showing = showing or line.startswith(show_from)
        if showing:
            print(f"  | {line}", end="", flush=True)
    if process.wait():
        sys.exit(f"manage.py {' '.join(command)} failed:\n{''.join(lines[-40:])}")


def prepare(server: Server, size: int, base_url: str, *, reseed: bool) -> tuple[str, float, bool]:
    """The bench database for `size` learners: (url, seconds its seeding took, reused?)."""
    name = f"portal_bench_{size_name(size)}"
    url = database_url(base_url, name)
    wanted = f"bench: seed_demo --learners {size} --seed {SEED}"
    marker = server.marker(name)
    if marker and marker.startswith(wanted + " ") and not reseed:
        run(["migrate", "--noinput", "-v0"], url)
        return url, float(marker.rsplit("seconds=", 1)[1]), True
    print(f"# creating {name} and seeding {size:,} learners (minutes for a million)", flush=True)
    server.recreate(name)
    run(["migrate", "--noinput", "-v0"], url)
    started = time.monotonic()
    run(["seed_demo", "--learners", str(size), "--seed", str(SEED)], url, show_from="Adding")
    seconds = time.monotonic() - started
    server.note(name, f"{wanted} seconds={seconds:.1f}")
    return url, seconds, False


def measure(url: str, args) -> dict:
    command = [sys.executable, "-m", "bench.dashboard", "--requests", str(args.requests)]
    command += ["--warmup", str(args.warmup)] + (["--refresh"] if args.refresh else [])
    result = subprocess.run(  # noqa: S603 — our own interpreter and module
        command, cwd=ROOT, env=child_env(url), capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"bench.dashboard failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def dashboard(args, base_url: str) -> bool:
    server = Server(base_url)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results = {}
    run(["collectstatic", "--noinput", "-v0"], database_url(base_url, "postgres"))
    for size in sizes:
        url, seed_seconds, reused = prepare(server, size, base_url, reseed=args.reseed)
        name = size_name(size)
        suffix = "   # seeded by an earlier run (--reseed to time it again)" if reused else ""
        print(f"seed_{name}_seconds: {seed_seconds:.1f}{suffix}", flush=True)
        data = measure(url, args)
        if data["learners"] < size:
            sys.exit(f"portal_bench_{name}: the roll-ups count {data['learners']} learners")
        view, selector = data["view_ms"], data["selector_ms"]
        results[size] = view
        print(f"stats_median_ms_{name}: {statistics.median(view):.2f}")
        print(f"stats_p95_ms_{name}: {percentile(view, 0.95):.2f}")
        print(f"stats_max_ms_{name}: {max(view):.2f}")
        print(f"stats_selector_p95_ms_{name}: {percentile(selector, 0.95):.2f}")
        print(f"stats_queries_{name}: {data['queries']}")
        print(f"stats_page_kb_{name}: {data['page_bytes'] / 1024:.1f}", flush=True)
    met = True
    largest, smallest = sizes[-1], sizes[0]
    p95 = percentile(results[largest], 0.95)
    ok = p95 <= TARGET_P95_MS
    met &= ok
    print(
        f"# target: p95 <= {TARGET_P95_MS:.0f} ms at {largest:,} learners — "
        f"{'met' if ok else 'MISSED'} ({p95:.2f} ms)"
    )
    if largest != smallest:
        ratio = statistics.median(results[largest]) / statistics.median(results[smallest])
        print("# ratio of the median request times")
        print(f"stats_{size_name(largest)}_vs_{size_name(smallest)}: {ratio:.2f}")
        ok = ratio <= TARGET_RATIO
        met &= ok
        print(
            f"# target: at most {TARGET_RATIO}x the time at {smallest:,} — "
            f"{'met' if ok else 'MISSED'} ({ratio:.2f}x)"
        )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these")
    parser.add_argument("--sizes", default="100000,1000000", help="learners, comma-separated")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per size")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--reseed", action="store_true", help="seed the databases again")
    parser.add_argument("--refresh", action="store_true", help="rebuild the roll-ups before timing")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The benchmarks need PostgreSQL: run them with `make bench` (or set DATABASE_URL)."
        )
    met = True
    for benchmark in args.only or BENCHMARKS:
        print(f"# {benchmark}", flush=True)
        met &= {"dashboard": dashboard}[benchmark](args, base_url)
    if args.strict and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
