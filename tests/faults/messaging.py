"""What is outside the portal when it sends messages, as real servers on 127.0.0.1: an SMS
gateway that de-duplicates by idempotency key (as production gateways do), and a small SMTP
server whose answers a test chooses (aiosmtpd is not installed: a socketserver speaks the few
SMTP commands Django's backend uses)."""

import email
import json
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEND_PATH = "/v1/messages"


@dataclass(frozen=True)
class GatewayRequest:
    at: float
    key: str
    to: str
    message: str
    status: int


class DedupingSMSGateway:
    """Every POST is recorded. Answers `status` (202 by default). A repeated Idempotency-Key
    whose first request was accepted is answered again without a second delivery. With `hold()`
    the gateway accepts (delivers) the next message and keeps its answer until `release()`: a
    sender killed while waiting never learns it was sent."""

    def __init__(self) -> None:
        self.status = 202
        self.requests: list[GatewayRequest] = []
        self.delivered: dict[str, int] = {}  # idempotency key → deliveries (1 when deduped)
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "DedupingSMSGateway":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{SEND_PATH}"

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def deliveries(self) -> int:
        """Distinct messages delivered to phones."""
        with self._lock:
            return len(self.delivered)

    def requests_copy(self) -> list[GatewayRequest]:
        with self._lock:
            return list(self.requests)

    def _answer(self, payload: dict, key: str) -> int:
        with self._lock:
            status = self.status
            if status < 300 and key not in self.delivered:
                self.delivered[key] = 1
            self.requests.append(
                GatewayRequest(
                    at=time.monotonic(),
                    key=key,
                    to=payload.get("to", ""),
                    message=payload.get("message", ""),
                    status=status,
                )
            )
        if status < 300:
            self._released.wait()  # delivered; the answer waits while held
        return status

    def _handler_class(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    payload = {}
                key = self.headers.get("Idempotency-Key", "")
                status = gateway._answer(payload, key)
                body = json.dumps({"id": key}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender is gone (killed)

            def log_message(self, format, *args):
                return

        return Handler


@dataclass
class SMTPLog:
    rcpt_answers: list[int] = field(default_factory=list)
    accepted: list[email.message.Message] = field(default_factory=list)


class ScriptedSMTPServer:
    """Answers RCPT TO with the next code of `rcpt_plan` (then `rcpt_default`); accepts the
    message when RCPT got 250. Every other command succeeds."""

    def __init__(self, rcpt_plan: list[int] | None = None, rcpt_default: int = 250) -> None:
        self.rcpt_plan = list(rcpt_plan or [])
        self.rcpt_default = rcpt_default
        self.log = SMTPLog()
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())
                self.wfile.flush()

            def handle(self):
                self.reply("220 test.smtp ESMTP ready")
                accepted = False
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    command = raw.decode(errors="replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 test.smtp")
                    elif verb == "MAIL":
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        code = server._next_rcpt()
                        accepted = code == 250
                        self.reply(
                            {250: "250 OK", 451: "451 4.7.1 try again later"}.get(
                                code, f"{code} 5.1.1 <someone@example.org>: no such user"
                            )
                        )
                    elif verb == "DATA":
                        if not accepted:
                            self.reply("554 no valid recipients")
                            continue
                        self.reply("354 go ahead")
                        lines = []
                        while True:
                            line = self.rfile.readline()
                            if not line or line in (b".\r\n", b".\n"):
                                break
                            lines.append(line[1:] if line.startswith(b"..") else line)
                        with server._lock:
                            server.log.accepted.append(email.message_from_bytes(b"".join(lines)))
                        self.reply("250 OK queued")
                    elif verb == "RSET":
                        accepted = False
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _next_rcpt(self) -> int:
        with self._lock:
            code = self.rcpt_plan.pop(0) if self.rcpt_plan else self.rcpt_default
            self.log.rcpt_answers.append(code)
            return code

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "ScriptedSMTPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
