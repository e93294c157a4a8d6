"""``motcua fake_portal``: a local National Public Service Portal speaking the contract of
docs/integrations.md, for tests and the demo. It keeps what it received (``GET
/_fake/received``), can refuse the first N status pushes, and serves dossiers submitted on it and
catalog updates, loaded from JSON files or posted to ``/_fake/submitted`` and ``/_fake/catalog``.

    motcua fake_portal --port 8765 --token demo-token --refuse 2 --submitted dossiers.json
    PORTAL_SYNC_URL=http://127.0.0.1:8765 PORTAL_SYNC_TOKEN=demo-token motcua worker
"""

import json
import signal
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.integrations.portal.fake import FakePortal


def _load(path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise CommandError(f"{path}: a JSON list of objects is expected")
    return data


class Command(BaseCommand):
    help = "Run a local fake National Public Service Portal (for tests and the demo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--token", default="", help="the bearer token it requires (none: any)")
        parser.add_argument("--refuse", type=int, default=0, help="refuse the first N pushes")
        parser.add_argument("--refuse-status", type=int, default=503)
        parser.add_argument("--submitted", action="append", default=[], help="JSON file(s)")
        parser.add_argument("--catalog", action="append", default=[], help="JSON file(s)")

    def handle(self, *args: Any, **options: Any) -> None:
        portal = FakePortal(
            host=options["host"],
            port=options["port"],
            token=options["token"],
            refuse=options["refuse"],
            refuse_status=options["refuse_status"],
        )
        for path in options["submitted"]:
            for item in _load(path):
                portal.state.add_submitted(item)
        for path in options["catalog"]:
            for record in _load(path):
                portal.state.add_catalog(record)
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        portal.start()
        self.stdout.write(f"fake portal on {portal.url} (Ctrl-C stops it)", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            portal.stop()
            received = len(portal.state.received)
            self.stdout.write(f"stopped; {received} status change(s) received")
