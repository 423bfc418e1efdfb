"""The wallet's side, played by a client library nobody here wrote: `wallet-client/receive.mjs`
(@openid4vc/openid4vci from the OpenWallet Foundation), run by node against a live portal.

node and `wallet-client/node_modules` are required: without them the test fails (run `make
test`, or `cd wallet-client && npm ci`), it is never skipped.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = ROOT / "wallet-client"
TIMEOUT_SECONDS = 60


def wallet_receive(offer_uri: str, tx_code: str, *, alg: str = "EdDSA", did: str = "key") -> dict:
    """Run the wallet: {"holder": <its DID>, "credential": <what it received>, ...}."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the wallet test needs it (install Node.js).")
    if not (CLIENT_DIR / "node_modules" / "@openid4vc" / "openid4vci").is_dir():
        pytest.fail("wallet-client/node_modules is missing: run `make test` (or npm ci there).")
    try:
        result = subprocess.run(
            [node, "receive.mjs", offer_uri, tx_code, alg, did],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=CLIENT_DIR,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the wallet client did not finish in {TIMEOUT_SECONDS} s")
    if result.returncode != 0:
        pytest.fail(f"the wallet client failed: {result.stderr.strip()[-3000:]}")
    return json.loads(result.stdout)
