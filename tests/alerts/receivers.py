"""The other end of alerts, started by the tests: a real HTTP receiver (the standard library's
threading HTTP server) and a real SMTP server (aiosmtpd, with STARTTLS and AUTH), each counting
what arrives."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        return self.headers.get("x-vinculo-delivery", "")


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the standard library's 5 makes a burst of connections wait for SYN retries (1 s)
    daemon_threads = True


@dataclass
class WebhookReceiver:
    """Answers each path as told: ``fail_first[path] = n`` fails the first n tries of every delivery
    id with HTTP 500; ``always[path] = status`` answers that status every time; else 200."""

    fail_first: dict[str, int] = field(default_factory=dict)
    always: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    _tries: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as web servers do

            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.answer(self.path, headers.get("x-vinculo-delivery", ""))
                with receiver._lock:
                    receiver.hits.append(Hit(self.path, headers, body, status, time.time()))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def answer(self, path: str, delivery: str) -> int:
        if path in self.always:
            return self.always[path]
        with self._lock:
            self._tries[(path, delivery)] += 1
            tries = self._tries[(path, delivery)]
        return 500 if tries <= self.fail_first.get(path, 0) else 200

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def accepted(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.status < 300 and (path is None or h.path == path)]

    def distinct(self, path: str | None = None) -> set[str]:
        """Deliveries counted as a receiver that drops duplicates by X-Vinculo-Delivery counts them."""
        return {h.delivery for h in self.accepted(path)}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition: Callable[[], Any], timeout: float = 120.0, what: str = "condition",
             every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- SMTP --------------------------------------------------------------------------------------------
def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by Debian's openssl."""
    cert, key = folder / "smtp.crt", folder / "smtp.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Mailbox:
    """An SMTP server that requires STARTTLS before AUTH, and AUTH before mail."""

    def __init__(self, cert: Path, key: Path, user: str, password: str):
        import ssl

        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                message = message_from_bytes(envelope.content, policy=policy.default)
                mailbox.messages.append(message)  # type: ignore[arg-type]
                return "250 OK"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            if ok:
                mailbox.logins.append(data.login.decode())
            return AuthResult(success=ok)

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=context,
                                     require_starttls=True, authenticator=authenticate, auth_required=True,
                                     auth_require_tls=True)

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
