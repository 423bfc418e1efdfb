"""`make load` (`python -m bench.load`): wrk with 64 connections for 60 seconds against the
learner dashboard, the review queue and the catalogue, one after the other, on the same set-up
as the benchmarks (gunicorn with 2 sync workers on the million-learner database, a Redis of its
own). Prints requests/s, p99 and errors for each; exits 1 if any request failed (a status other
than 2xx/3xx, or a socket error such as a timeout).
"""

import argparse
import os
import sys

from .__main__ import Run
from .pages import load, site


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", type=int, default=1_000_000, help="learners in the database")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The load test needs PostgreSQL: run it with `make load` (or set DATABASE_URL).")
    bench = Run(argparse.Namespace(reseed=False, sizes=str(args.size)), base_url)
    bench.collectstatic()
    errors = 0
    with site(bench.database(args.size)) as running:
        print(f"# wrk -c{args.connections} -d{args.seconds}s, gunicorn 2 sync workers")
        for target in running.targets:
            if target.name == "trivial":
                continue
            result = load(running, target, connections=args.connections, seconds=args.seconds)
            errors += result.errors
            print(f"load_{target.name}_requests_per_s: {result.requests_per_s:.1f}")
            print(f"load_{target.name}_p99_ms: {result.p99_ms:.1f}")
            print(
                f"load_{target.name}_errors: {result.errors}   # {result.requests:,} requests, "
                f"{result.non_2xx_3xx} not 2xx/3xx, {result.socket_errors} socket errors",
                flush=True,
            )
    if errors:
        sys.exit(f"{errors} requests failed under load")


if __name__ == "__main__":
    main()
