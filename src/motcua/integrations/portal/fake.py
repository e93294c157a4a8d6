"""A local portal implementing the contract of docs/integrations.md, for tests and the demo
(``motcua fake_portal``). It keeps what it received, can refuse the first N status pushes, checks
the bearer token, the idempotency key and the order of each dossier's changes, and serves
dossiers "submitted on the portal" and catalog updates.

Besides the contract it answers a few ``/_fake/…`` requests (no token) to look and to feed it:
``GET /_fake/received``, ``POST /_fake/submitted`` (one dossier, with its ``unit_code``),
``POST /_fake/catalog`` (one national record), ``POST /_fake/refuse`` (``{"count", "status"}``).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakePortalState:
    def __init__(self, *, token: str = "", refuse: int = 0, refuse_status: int = 503) -> None:
        self.lock = threading.Lock()
        self.token = token
        self.refuse = refuse
        self.refuse_status = refuse_status
        self.refused = 0
        # Accepted status pushes, in the order they were accepted (one per idempotency key).
        self.received: list[dict[str, Any]] = []
        self.keys: dict[str, int] = {}
        self.last_sequence: dict[str, int] = {}
        # Every request to the contract's endpoints: (method, path, answer status).
        self.requests: list[tuple[str, str, int]] = []
        # The idempotency key of every status push, repeats included (tests count them).
        self.push_keys: list[str] = []
        # Seconds each push takes (tests make concurrent workers overlap).
        self.delay = 0.0
        self.submitted: dict[str, list[dict[str, Any]]] = {}
        self.catalog: list[dict[str, Any]] = []

    def add_submitted(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.submitted.setdefault(str(item.get("unit_code", "")), []).append(item)

    def add_catalog(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.catalog.append(record)

    # --- The contract -------------------------------------------------------------------

    def push_status(self, body: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.push_keys.append(key)
            if not key:
                return 400, {"code": "idempotency_key_missing", "message": "Idempotency-Key"}
            if key in self.keys:
                return 200, {"accepted": True, "duplicate": True, "id": self.keys[key]}
            if self.refused < self.refuse:
                self.refused += 1
                return self.refuse_status, {"code": "unavailable", "message": "try again later"}
            code = str(body.get("dossier_code") or "")
            sequence = body.get("sequence")
            status = body.get("status")
            if not code or not isinstance(sequence, int) or status not in range(1, 11):
                return 400, {"code": "invalid", "message": "dossier_code, sequence, status 1-10"}
            expected = self.last_sequence.get(code, 0) + 1
            if sequence != expected:
                return 409, {
                    "code": "out_of_order",
                    "message": f"expected sequence {expected}",
                    "expected_sequence": expected,
                }
            self.last_sequence[code] = sequence
            self.received.append({"key": key, **body})
            self.keys[key] = len(self.received)
            return 200, {"accepted": True, "duplicate": False, "id": len(self.received)}

    def list_after(self, rows: list[dict[str, Any]], after: str) -> tuple[list, str]:
        start = int(after) if after.isdigit() else 0
        return rows[start:], str(len(rows))


def make_handler(state: FakePortalState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakePortal/1"

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return None

        def _authorised(self) -> bool:
            return not state.token or self.headers.get("Authorization") == f"Bearer {state.token}"

        def _contract(self, method: str, path: str, query: dict[str, list[str]]) -> None:
            def arg(name: str) -> str:
                return (query.get(name) or [""])[0]

            body: dict[str, Any]
            if not self._authorised():
                status, body = 401, {"code": "unauthorized", "message": "bad or missing token"}
            elif method == "POST" and path == "/dossiers/status":
                payload = self._body()
                if not isinstance(payload, dict):
                    status, body = 400, {"code": "invalid", "message": "JSON object expected"}
                else:
                    status, body = state.push_status(
                        payload, self.headers.get("Idempotency-Key", "")
                    )
            elif method == "GET" and path == "/dossiers/submitted":
                with state.lock:
                    rows = list(state.submitted.get(arg("unit_code"), []))
                items, following = state.list_after(rows, arg("after"))
                status, body = 200, {"items": items, "next": following}
            elif method == "GET" and path == "/catalog/updates":
                with state.lock:
                    rows = list(state.catalog)
                records, following = state.list_after(rows, arg("after"))
                status, body = 200, {"records": records, "next": following}
            else:
                status, body = 404, {"code": "not_found", "message": path}
            with state.lock:
                state.requests.append((method, path, status))
            self._answer(status, body)

        def _fake(self, method: str, path: str) -> None:
            if method == "GET" and path == "/_fake/received":
                with state.lock:
                    self._answer(200, {"received": state.received, "refused": state.refused})
                return
            body = self._body() if method == "POST" else None
            if not isinstance(body, dict):
                self._answer(400, {"code": "invalid", "message": "JSON object expected"})
            elif path == "/_fake/submitted":
                state.add_submitted(body)
                self._answer(201, {"ok": True})
            elif path == "/_fake/catalog":
                state.add_catalog(body)
                self._answer(201, {"ok": True})
            elif path == "/_fake/refuse":
                with state.lock:
                    state.refuse = state.refused + int(body.get("count", 0))
                    state.refuse_status = int(body.get("status", 503))
                self._answer(200, {"ok": True})
            else:
                self._answer(404, {"code": "not_found", "message": path})

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/") or "/"
            # The contract lives under any prefix (``/api/v1/dossiers/status`` works too).
            if "/_fake/" in path + "/":
                self._fake(method, path[path.index("/_fake") :])
                return
            for endpoint in ("/dossiers/status", "/dossiers/submitted", "/catalog/updates"):
                if path.endswith(endpoint):
                    path = endpoint
                    break
            self._contract(method, path, parse_qs(parts.query))

        def do_GET(self) -> None:  # noqa: N802
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class FakePortal:
    """The fake portal on a local port, served from a thread (``with FakePortal() as portal``)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "",
        refuse: int = 0,
        refuse_status: int = 503,
    ) -> None:
        self.state = FakePortalState(token=token, refuse=refuse, refuse_status=refuse_status)
        self.server = ThreadingHTTPServer((host, port), make_handler(self.state))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakePortal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
