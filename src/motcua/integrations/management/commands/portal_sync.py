"""``motcua portal_sync``: one round of the integrations: deliver the outbox (portal status
changes and webhooks) and pull from the national portal (dossiers submitted there, catalog
updates). ``motcua worker`` does the same every minute."""

from typing import Any

from django.core.management.base import BaseCommand

from motcua.integrations.portal.base import portal_configured
from motcua.integrations.services import portal_sync


class Command(BaseCommand):
    help = "Deliver the integrations outbox and pull from the national portal, once."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = portal_sync()
        if not portal_configured():
            self.stdout.write("PORTAL_SYNC_URL is not set: nothing is pulled from the portal.")
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing to do"
        )
