"""`python -m bench [--only NAME ...] [--strict]` — see bench/README.md.

Bench databases portal_bench_<100k|1m> (created, migrated and filled by
`seed_demo --learners N --seed 1` the first time; kept afterwards), then each benchmark:
dashboard (bench/dashboard.py), pages under wrk (bench/pages.py), the completions import
(bench/imports.py), provisioning through a Celery worker (bench/provisioning.py) and the page
weight (bench/weight.py). Prints one `name: value` line per figure, each followed by its target.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

from . import services
from .services import database_url

ROOT = services.ROOT
SEED = 1
TARGET_P95_MS = 50.0
TARGET_RATIO = 1.5


def size_name(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def child_env(url: str) -> dict:
    # In-process jobs and a local cache: nothing the bench does may reach the Redis queue or
    # cache of a portal running on this machine (a worker there would use another database).
    return services.child_env(url)


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


class Run:
    """One `python -m bench`: the databases it prepared (once each) and whether every target
    was met so far."""

    def __init__(self, args, base_url: str):
        self.args = args
        self.base_url = base_url
        self.server = Server(base_url)
        self.prepared: dict[int, str] = {}
        self.met = True
        self.collected = False

    def collectstatic(self) -> None:
        if not self.collected:
            run(["collectstatic", "--noinput", "-v0"], database_url(self.base_url, "postgres"))
            self.collected = True

    def database(self, size: int) -> str:
        """The bench database for `size` learners (seeded the first time): its URL. Prints
        seed_<size>_seconds the first time it is asked for in a run."""
        if size not in self.prepared:
            url, seconds, reused = prepare(
                self.server, size, self.base_url, reseed=self.args.reseed
            )
            suffix = "   # seeded by an earlier run (--reseed to time it again)" if reused else ""
            print(f"seed_{size_name(size)}_seconds: {seconds:.1f}{suffix}", flush=True)
            self.prepared[size] = url
        return self.prepared[size]

    @property
    def largest(self) -> int:
        return max(int(s) for s in self.args.sizes.split(","))

    def report(self, name: str, value, relation: str, target, fmt: str = "{:.2f}") -> bool:
        """Print `name: value`, then its target and whether it was met."""
        ok = value >= target if relation == ">=" else value <= target
        self.met &= ok
        print(f"{name}: {fmt.format(value)}")
        print(f"# target: {name} {relation} {target} — {'met' if ok else 'MISSED'}", flush=True)
        return ok


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


def dashboard(bench: Run) -> None:
    """The programme dashboard (statistics), timed in-process at each size."""
    args = bench.args
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results = {}
    bench.collectstatic()
    for size in sizes:
        url = bench.database(size)
        name = size_name(size)
        data = measure(url, args)
        if data["learners"] < size:
            sys.exit(f"portal_bench_{name}: the roll-ups count {data['learners']} learners")
        view, selector = data["view_ms"], data["selector_ms"]
        results[size] = view
        print(f"stats_median_ms_{name}: {statistics.median(view):.2f}")
        if size != sizes[-1]:  # the largest size's p95 is printed with its target below
            print(f"stats_p95_ms_{name}: {percentile(view, 0.95):.2f}")
        print(f"stats_max_ms_{name}: {max(view):.2f}")
        print(f"stats_selector_p95_ms_{name}: {percentile(selector, 0.95):.2f}")
        print(f"stats_queries_{name}: {data['queries']}")
        print(f"stats_page_kb_{name}: {data['page_bytes'] / 1024:.1f}", flush=True)
    largest, smallest = sizes[-1], sizes[0]
    bench.report(
        f"stats_p95_ms_{size_name(largest)}",
        percentile(results[largest], 0.95),
        "<=",
        TARGET_P95_MS,
    )
    if largest != smallest:
        ratio = statistics.median(results[largest]) / statistics.median(results[smallest])
        print("# ratio of the median request times")
        bench.report(
            f"stats_{size_name(largest)}_vs_{size_name(smallest)}", ratio, "<=", TARGET_RATIO
        )


def pages(bench: Run) -> None:
    """The three pages under wrk against gunicorn at the largest size, and the deep queue page."""
    from .pages import pages_under_load

    bench.collectstatic()
    pages_under_load(bench.args, bench.database(bench.largest), bench.report)


def imports(bench: Run) -> None:
    """A completions CSV through the staff upload's import path, job included."""
    from .imports import completions_import

    completions_import(bench.args, bench.database(bench.largest), bench.report)


def provisioning(bench: Run) -> None:
    """Enrolments provisioned through a real Celery worker, from enqueue to all active."""
    from .provisioning import provisioning_rate

    provisioning_rate(bench.args, bench.database(bench.largest), bench.report)


def weight(bench: Run) -> None:
    """The heaviest learner page, first and repeat visit (tests/portal/test_page_weight.py)."""
    from .weight import page_weight

    bench.collectstatic()
    page_weight(bench.args, bench.base_url, bench.report)


BENCHMARKS = {
    "dashboard": dashboard,
    "pages": pages,
    "import": imports,
    "provisioning": provisioning,
    "weight": weight,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these")
    parser.add_argument("--sizes", default="100000,1000000", help="learners, comma-separated")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per size")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--reseed", action="store_true", help="seed the databases again")
    parser.add_argument("--refresh", action="store_true", help="rebuild the roll-ups before timing")
    parser.add_argument(
        "--wrk-seconds", type=int, default=15, help="length of each wrk run (pages)"
    )
    parser.add_argument(
        "--requests-deep", type=int, default=30, help="timed requests of each queue page"
    )
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the CSV")
    parser.add_argument(
        "--import-budget",
        type=float,
        default=300,
        help="seconds the import may take; a slower one is measured on its first lines",
    )
    parser.add_argument(
        "--enrolments", type=int, default=2000, help="enrolments to provision (provisioning)"
    )
    parser.add_argument(
        "--worker-concurrency",
        type=int,
        default=2,
        help="processes of the Celery worker (provisioning; Celery's default: one per core)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The benchmarks need PostgreSQL: run them with `make bench` (or set DATABASE_URL)."
        )
    bench = Run(args, base_url)
    for name in args.only or BENCHMARKS:
        print(f"# {name}", flush=True)
        BENCHMARKS[name](bench)
    if args.strict and not bench.met:
        sys.exit(1)


if __name__ == "__main__":
    main()
