"""``motcua privacy_sweep``: remove personal data past its retention now (the worker runs it
once a day): tickets' phone numbers after QUEUE_PHONE_RETENTION_DAYS, closed feedback's contact
details after FEEDBACK_RETENTION_DAYS."""

import getpass
from typing import Any

from django.core.management.base import BaseCommand

from motcua.web.privacy import privacy_sweep


class Command(BaseCommand):
    help = "Remove personal data past its retention (ticket phones, old feedback contacts)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = privacy_sweep(actor_name=f"cli:{getpass.getuser()}")
        self.stdout.write(
            f"ticket phones removed: {counts['ticket_phones']}; "
            f"feedback contacts removed: {counts['feedback_contacts']}"
        )
