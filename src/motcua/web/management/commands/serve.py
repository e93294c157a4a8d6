"""``motcua serve``: HTTP and websockets over ASGI (uvicorn)."""

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and websockets (ASGI) with uvicorn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="number of processes")
        parser.add_argument("--log-level", default="info")

    def handle(
        self, *args: Any, host: str, port: int, workers: int, log_level: str, **options: Any
    ) -> None:
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write(
                "Warning: several processes without REDIS_URL do not share websocket groups; "
                "set REDIS_URL for live screens across processes."
            )
        uvicorn.run(
            "motcua.conf.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            log_level=log_level,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            ws_ping_interval=20,
        )
