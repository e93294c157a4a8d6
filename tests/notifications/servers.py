"""Real local peers for delivery tests: an SMTP server (aiosmtpd) and an SMS gateway (HTTP),
each refusing a given number of times before accepting."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RefusingThenAcceptingHandler:
    """Answers ``451`` (try again later) to the first ``refuse`` messages, then accepts."""

    def __init__(self, refuse: int) -> None:
        self.refuse = refuse
        self.refused = 0
        self.received: list[Envelope] = []

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable"
        self.received.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, refuse: int = 0) -> None:
        self.handler = RefusingThenAcceptingHandler(refuse)
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=motcua@test.invalid"

    @property
    def received(self) -> list[Envelope]:
        return self.handler.received


class SmsGateway:
    """Answers 503 to the first ``refuse`` POSTs, then 200 with an id; keeps what it accepted."""

    def __init__(self, refuse: int = 0, refuse_status: int = 503) -> None:
        self.refuse = refuse
        self.refuse_status = refuse_status
        self.refused = 0
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if gateway.refused < gateway.refuse:
                    gateway.refused += 1
                    self.send_response(gateway.refuse_status)
                    self.end_headers()
                    return
                gateway.received.append({"body": body, "api_key": self.headers.get("X-Api-Key")})
                answer = json.dumps({"id": f"sms-{len(gateway.received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"
