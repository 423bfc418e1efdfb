"""The independent check: Digital Bazaar's verifier (`vc-verifier/verify.mjs`) run by node, offline.

One node process per batch (starting node costs about half a second), so a test gathers its
credentials and verifies them in one call. The process cannot reach the network: a preloaded
module makes every socket connection and every fetch fail, and the proxies point at a closed
port — so a credential that needed a remote document would fail, never pass by fetching it.

node and `vc-verifier/node_modules` are required: without them the test fails (run `make test`,
or `cd vc-verifier && npm ci`), it is never skipped.
"""

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERIFIER_DIR = ROOT / "vc-verifier"
VERIFY_SCRIPT = VERIFIER_DIR / "verify.mjs"
TIMEOUT_SECONDS = 60

# Marker in the error of any network attempt made by the node process.
NETWORK_BLOCKED = "network access is disabled in the independent verifier"

_OFFLINE_PRELOAD = f"""
'use strict';
const net = require('node:net');
const blocked = () => {{ throw new Error({json.dumps(NETWORK_BLOCKED)}); }};
net.Socket.prototype.connect = blocked;
net.connect = net.createConnection = blocked;
globalThis.fetch = async () => blocked();
"""


@dataclass(frozen=True)
class Verification:
    verified: bool
    revoked: bool | None
    errors: list[str]


@cache
def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: the independent credential check needs it "
            "(install Node.js, then run `make test`)."
        )
    if not (VERIFIER_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail(
            "vc-verifier/node_modules is missing: run `make test` "
            "(or `cd vc-verifier && npm ci --no-audit --no-fund`)."
        )
    return node


@cache
def _preload() -> str:
    folder = tempfile.mkdtemp(prefix="vc-verifier-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "offline.cjs"
    path.write_text(_OFFLINE_PRELOAD, encoding="utf-8")
    return str(path)


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    closed = "http://127.0.0.1:9"
    env.update(HTTP_PROXY=closed, HTTPS_PROXY=closed, http_proxy=closed, https_proxy=closed)
    env.pop("NODE_OPTIONS", None)
    return env


def run_node(args: list[str], stdin: str = "") -> str:
    """Run node in vc-verifier/ (so its node_modules resolve) offline; its stdout, or the test
    fails with its stderr."""
    node = _node()
    preload = _preload()
    try:
        result = subprocess.run(
            [node, "--require", preload, *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=VERIFIER_DIR,
            env=_offline_env(),
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"node did not finish in {TIMEOUT_SECONDS} s: {args}")
    if result.returncode != 0:
        pytest.fail(f"node exited with {result.returncode}: {result.stderr.strip()[-3000:]}")
    return result.stdout


def node_eval(code: str, stdin: str = "") -> str:
    """Run a CommonJS snippet with the verifier's packages available (`require(...)`)."""
    return run_node(["--input-type=commonjs", "--eval", code], stdin)


def verify_credentials(
    credentials: list[dict],
    status_lists: dict[str, dict] | None = None,
    did_documents: dict[str, dict] | None = None,
) -> list[Verification]:
    """Verify each credential with Digital Bazaar's libraries, in one node process. A did:web
    issuer is resolved from `did_documents` (DID document by the URL did:web names)."""
    payload = json.dumps(
        {
            "credentials": credentials,
            "statusLists": status_lists or {},
            "didDocuments": did_documents or {},
        },
        ensure_ascii=False,
    )
    output = run_node([str(VERIFY_SCRIPT)], payload)
    try:
        results = json.loads(output)
    except json.JSONDecodeError:
        pytest.fail(f"the verifier printed something that is not JSON: {output[:2000]!r}")
    assert isinstance(results, list) and len(results) == len(credentials), output[:2000]
    return [
        Verification(verified=r["verified"], revoked=r["revoked"], errors=list(r["errors"]))
        for r in results
    ]
