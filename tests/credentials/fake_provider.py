"""A fake course provider: a real HTTP server on 127.0.0.1, in a background thread.

Only what is outside the portal is faked. The portal's adapter talks to this server over a real
socket, exactly as it talks to Coursera or edX: JSON in, JSON out, a Bearer token and an
`Idempotency-Key` header. Tests tell it how to answer (succeed, fail with 500/503, reject with
400, answer too slowly) and read back every request it received.

Like a real provider, it keeps the learner reference each enrolment came with, and reports
completions by it (`completion_items`, `report_completions`): to the portal's completions API
over HTTP, as a provider's system does.
"""

import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENROLMENT_PATH = "/v1/enrolments"

SUCCEED = "succeed"
FAIL = "fail"  # 500
UNAVAILABLE = "unavailable"  # 503
REJECT = "reject"  # 400
SLOW = "slow"  # answers (successfully) only after `slow_seconds`


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: object = field(default=None)


class FakeProvider:
    """Start with `start()`, point a Provider's `api_enrolment_url` at `url`, stop with `stop()`.

    Behaviour: `mode` answers every request; `plan(...)` queues behaviours for the next requests
    (each request takes the next one, then `mode` again). A repeated `Idempotency-Key` whose first
    request succeeded gets the first answer again and is not counted as a second enrolment.
    """

    def __init__(self) -> None:
        self.mode = SUCCEED
        self.slow_seconds = 2.0
        # Extra time before any answer (within the client's timeout): makes overlaps likely.
        self.delay_seconds = 0.0
        self.requests: list[ReceivedRequest] = []
        self._planned: list[str] = []
        self._answers: dict[str, dict] = {}  # idempotency key → first successful answer
        self._enrolled = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-provider", daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # cuts slow answers short
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{ENROLMENT_PATH}"

    # --- telling it how to answer ---------------------------------------------------------------

    def succeed(self) -> None:
        self.mode = SUCCEED

    def fail(self, status: int = 500) -> None:
        self.mode = FAIL if status == 500 else UNAVAILABLE

    def reject(self) -> None:
        self.mode = REJECT

    def be_slow(self, seconds: float) -> None:
        self.mode, self.slow_seconds = SLOW, seconds

    def plan(self, *behaviours: str) -> None:
        with self._lock:
            self._planned.extend(behaviours)

    # --- what it saw ----------------------------------------------------------------------------

    @property
    def enrolment_count(self) -> int:
        """Enrolments made on the provider's side (repeated idempotency keys not counted)."""
        with self._lock:
            return self._enrolled

    @property
    def enrolment_requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == ENROLMENT_PATH]

    @property
    def learner_references(self) -> list[str]:
        """The learner references the portal sent, in order (one per enrolment request)."""
        return [
            r.json.get("learner_reference", "")
            for r in self.enrolment_requests
            if isinstance(r.json, dict)
        ]

    def completion_items(self, *, completed_at: str | None = None, grade: str = "") -> list[dict]:
        """One completion per learner and course it was asked to enrol, naming the learner by
        the reference the portal gave it — what its system would send."""
        seen: dict[tuple[str, str], dict] = {}
        for request in self.enrolment_requests:
            body = request.json if isinstance(request.json, dict) else {}
            key = (body.get("learner_reference", ""), body.get("course_id", ""))
            if all(key) and key not in seen:
                item = {"learner_reference": key[0], "course_id": key[1]}
                if completed_at:
                    item["completed_at"] = completed_at
                if grade:
                    item["grade"] = grade
                seen[key] = item
        return list(seen.values())

    def report_completions(
        self, *, portal_url: str, api_key: str, items: list[dict] | None = None
    ) -> tuple[int, object]:
        """POST completions (by default `completion_items()`) to the portal's completions API at
        `portal_url` (e.g. a live server's URL), with a provider API key; (status, JSON)."""
        body = json.dumps(items if items is not None else self.completion_items()).encode()
        request = urllib.request.Request(  # noqa: S310 — a test's own URL
            portal_url.rstrip("/") + "/api/v1/completions/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Api-Key {api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"null")

    # --- the server side ------------------------------------------------------------------------

    def _next_behaviour(self) -> str:
        with self._lock:
            return self._planned.pop(0) if self._planned else self.mode

    def _answer(self, request: ReceivedRequest) -> tuple[int, dict]:
        """(status, JSON body) for one request; runs in the server's request thread."""
        if request.method != "POST" or request.path != ENROLMENT_PATH:
            return 404, {"error": "not found"}
        if self.delay_seconds:
            self._stopping.wait(self.delay_seconds)
        behaviour = self._next_behaviour()
        if behaviour == FAIL:
            return 500, {"error": "internal error"}
        if behaviour == UNAVAILABLE:
            return 503, {"error": "try again later"}
        if behaviour == REJECT:
            return 400, {"error": "this learner cannot be enrolled"}
        key = request.headers.get("idempotency-key", "")
        with self._lock:
            answer = self._answers.get(key) if key else None
            if answer is None:
                number = next(self._numbers)
                answer = {
                    "enrolment_id": f"fp-{number:05d}",
                    "access_url": f"https://provider.example/go/{number:05d}",
                }
                self._enrolled += 1
                if key:
                    self._answers[key] = answer
        if behaviour == SLOW:
            # The provider enrols at once but answers after the client has given up waiting;
            # the client's retry (same key) gets this answer without a second enrolment.
            self._stopping.wait(self.slow_seconds)
        return 200, answer

    def _handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = None
                request = ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=raw,
                    json=parsed,
                )
                with provider._lock:
                    provider.requests.append(request)
                status, answer = provider._answer(request)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): as with a real provider

            do_POST = do_GET = do_PUT = do_DELETE = _handle  # http.server looks up do_<METHOD>

            def log_message(self, format, *args):
                pass

        return Handler
