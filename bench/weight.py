"""first_visit_kb and repeat_visit_kb: the heaviest learner page, in English and Arabic, weighed
by tests/portal/test_page_weight.py (run here through pytest, with bench/weight_plugin.py
recording its figures), on a test database of its own."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from . import services

FIRST_VISIT_KB = 60
REPEAT_VISIT_KB = 15
PYTEST_OPTIONS = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "bench.weight_plugin"]
TEST = "tests/portal/test_page_weight.py::test_every_learner_page_fits_the_2g_budget"


def page_weight(args, base_url: str, report) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "weights.jsonl"
        env = services.child_env(services.database_url(base_url, "portal_bench_weight"))
        env["BENCH_WEIGHT_OUT"] = str(out)
        result = subprocess.run(  # noqa: S603 — our own interpreter and pytest
            [sys.executable, "-m", "pytest", "-q", *PYTEST_OPTIONS, TEST],
            cwd=services.ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    if not rows:
        sys.exit(f"the page weight test measured nothing:\n{result.stdout[-3000:]}")
    first = max(rows, key=lambda r: r[3])
    repeat = max(rows, key=lambda r: r[4])
    print(f"# {len(rows)} learner pages weighed (en, ar); pytest: {result.stdout.splitlines()[-1]}")
    print(
        f"# heaviest first visit: {first[1]} [{first[0]}]; repeat visit: {repeat[1]} [{repeat[0]}]"
    )
    report("first_visit_kb", first[3] / 1024, "<=", FIRST_VISIT_KB, "{:.1f}")
    report("repeat_visit_kb", repeat[4] / 1024, "<=", REPEAT_VISIT_KB, "{:.1f}")
