"""completions_import_rows_per_s: a completions CSV through the staff upload's import path
(bench/imports_run.py), in the million-learner database."""

import json
import subprocess
import sys

from . import services

TARGET_ROWS_PER_S = 5000


def completions_import(args, database_url: str, report) -> None:
    # The jobs the upload enqueues (and the credentials the completions ask for) wait in a Redis
    # of the bench's own, thrown away afterwards: the import itself is what is timed.
    with services.redis_server() as redis_url:
        result = subprocess.run(  # noqa: S603 — our own interpreter and module
            [
                sys.executable,
                "-m",
                "bench.imports_run",
                "--rows",
                str(args.import_rows),
                "--budget",
                str(args.import_budget),
            ],
            cwd=services.ROOT,
            env=services.child_env(database_url, redis_url),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode:
        sys.exit(f"bench.imports_run failed:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout)
    if data["rows"] < data["wanted"]:
        print(
            f"# stopped after {data['rows']:,} of {data['wanted']:,} lines: the whole file "
            f"would take {data['seconds'] / data['rows'] * data['wanted'] / 60:.0f} minutes "
            f"(more than --import-budget {args.import_budget:.0f} s)"
        )
    print(
        f"# {data['rows']:,} completions of {data['provider']} in {data['files']} file(s) "
        f"(the upload's limit per file), {data['seconds']:.1f} s; results {data['results']}"
    )
    report(
        "completions_import_rows_per_s",
        data["rows"] / data["seconds"],
        ">=",
        TARGET_ROWS_PER_S,
        "{:.0f}",
    )
