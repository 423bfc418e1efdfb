"""wrk, the HTTP load generator (Debian package `wrk`): installed when missing, run, and its
report read into numbers."""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


def ensure_wrk() -> str:
    """The path of wrk; installs the Debian package first when it is missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt:
        print("# wrk is missing: apt-get install -y wrk", flush=True)
        for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "wrk"]):
            subprocess.run(command, check=False, capture_output=True)  # noqa: S603
        found = shutil.which("wrk")
    if not found:
        sys.exit(
            "wrk (the HTTP load generator) is not installed and could not be installed here: "
            "install it (Debian/Ubuntu: `sudo apt-get install wrk`) and run again."
        )
    return found


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * UNITS[unit]


def parse(report: str) -> WrkResult:
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, report)
        if match:
            return match.group(1)
        if default is None:
            sys.exit(f"unexpected wrk report (no {pattern!r}):\n{report}")
        return default

    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    return WrkResult(
        requests=int(find(r"(\d+) requests in")),
        requests_per_s=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_milliseconds(find(r"50%\s+([\d.]+[a-z]+)")),
        p99_ms=_milliseconds(find(r"99%\s+([\d.]+[a-z]+)")),
        non_2xx_3xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def run(
    url: str, *, connections: int, seconds: int, headers: dict[str, str], threads: int = 1
) -> WrkResult:
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(  # noqa: S603 — wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"wrk failed ({result.returncode}):\n{result.stderr}{result.stdout}")
    return parse(result.stdout)
