"""``motcua demo``: migrate, load the demo province, then serve with a task worker (Ctrl-C stops)."""

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from motcua.demo.management.commands.seed_demo import format_logins
from motcua.demo.services import demo_province_load


class Command(BaseCommand):
    help = "Set up the database, load the demo province and serve it with a task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not serve")

    def handle(self, *args: Any, host: str, port: int, no_serve: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        logins = demo_province_load()
        self.stdout.write(format_logins(logins))
        if no_serve:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"\nServing on http://{host}:{port}/ (staff: /staff/, admin: /admin/). Ctrl-C stops.\n"
            )
        )
        self.stdout.flush()
        command = [sys.executable, "-m", "motcua.conf.cli"]
        processes = [
            # Our own interpreter and module with fixed arguments: no untrusted input.
            subprocess.Popen([*command, "serve", "--host", host, "--port", str(port)]),  # noqa: S603
            subprocess.Popen([*command, "worker"]),  # noqa: S603
        ]
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")
