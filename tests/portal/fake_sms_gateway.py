"""A fake SMS gateway: a real HTTP server on 127.0.0.1, in a background thread.

Only what is outside the portal is faked. `portal.sms.HttpGatewayBackend` talks to it over a real
socket as it would to a production gateway: a JSON POST with a Bearer token. Tests read back
every request it received (headers and body), and can make it fail (500) or refuse (400).
"""

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEND_PATH = "/v1/messages"
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class ReceivedMessage:
    path: str
    headers: dict[str, str]
    body: bytes
    json: object = field(default=None)

    @property
    def to(self) -> str | None:
        return self.json.get("to") if isinstance(self.json, dict) else None

    @property
    def message(self) -> str:
        return self.json.get("message", "") if isinstance(self.json, dict) else ""


class FakeSMSGateway:
    """`start()`, point SMS_GATEWAY_URL at `url`, `stop()`. `status` is the answer to give."""

    def __init__(self) -> None:
        self.status = 202
        self.received: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-sms-gateway", daemon=True
        )

    def start(self) -> "FakeSMSGateway":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{SEND_PATH}"

    def messages_to(self, phone: str) -> list[ReceivedMessage]:
        with self._lock:
            return [m for m in self.received if m.to == phone]

    def wait_for_messages(self, phone: str, *, count: int = 1, timeout: float = 5.0):
        """The messages sent to `phone`, once at least `count` arrived (jobs run after commit)."""
        deadline = time.monotonic() + timeout
        while True:
            sent = self.messages_to(phone)
            if len(sent) >= count or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        assert len(sent) >= count, f"expected {count} SMS to {phone}, got {len(sent)}"
        return sent

    def last_code(self, phone: str, *, count: int = 1) -> str:
        message = self.wait_for_messages(phone, count=count)[-1].message
        match = CODE.search(message)
        assert match, f"no code in {message!r}"
        return match.group(1)

    def _handler_class(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                with gateway._lock:
                    gateway.received.append(
                        ReceivedMessage(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                            json=payload,
                        )
                    )
                    status = gateway.status
                answer = json.dumps({"id": len(gateway.received)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args):  # keep test output quiet
                return

        return Handler
