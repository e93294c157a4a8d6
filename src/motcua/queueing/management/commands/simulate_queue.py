"""``motcua simulate_queue --center CODE --per-hour 60``: keep a demo center's queue alive.

Issues tickets at random (Poisson arrivals at the given rate, some for priority groups) and
has every counter of the center call, serve (a random service time) and finish them, through
the same services the kiosk and counters use — so the displays, counter screens and phones of
the demo move and speak. ``--speed 10`` runs ten times faster than real time; ``--minutes`` stops
after that much simulated time.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from motcua.errors import ServiceError
from motcua.organization.models import Center, Counter
from motcua.queueing import services
from motcua.queueing.models import PriorityGroup, QueueService, Ticket
from motcua.queueing.workflow import Status


class Command(BaseCommand):
    help = "Issue and serve tickets at a center so its screens are alive (demo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--center", required=True)
        parser.add_argument("--per-hour", type=float, default=60.0)
        parser.add_argument(
            "--speed", type=float, default=1.0, help="simulated seconds per real second"
        )
        parser.add_argument(
            "--minutes",
            type=float,
            default=0,
            help="stop after this much simulated time (0: never)",
        )
        parser.add_argument("--mean-service-minutes", type=float, default=6.0)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        center = Center.objects.filter(code=options["center"]).first()
        if center is None:
            raise CommandError(f"no center {options['center']}")
        rng = random.Random(options["seed"])  # noqa: S311 - a simulation, not a secret
        service_list = list(QueueService.objects.filter(center=center, is_active=True))
        counters = list(
            Counter.objects.filter(
                center=center, is_active=True, queue_services__isnull=False
            ).distinct()
        )
        groups = list(PriorityGroup.objects.filter(center=center, is_active=True))
        if not service_list or not counters:
            raise CommandError("the center needs queue services served by counters (run seed_demo)")
        official = User.objects.filter(
            memberships__center=center, memberships__role="receptionist"
        ).first()
        issuer = services.Issuer(source=Ticket.Source.STAFF, user=official)
        speed = max(0.1, options["speed"])
        mean_gap = 3600.0 / max(0.1, options["per_hour"])
        service_seconds = options["mean_service_minutes"] * 60
        busy_until = {counter.pk: 0.0 for counter in counters}
        next_arrival = rng.expovariate(1 / mean_gap)
        simulated = 0.0
        stop_at = options["minutes"] * 60 if options["minutes"] else None
        tick = 1.0
        self.stdout.write(
            f"Simulating {center.name}: {options['per_hour']}/h, speed ×{speed}. Ctrl-C stops."
        )
        try:
            while stop_at is None or simulated < stop_at:
                simulated += tick
                if simulated >= next_arrival:
                    next_arrival = simulated + rng.expovariate(1 / mean_gap)
                    self._issue(center, issuer, rng.choice(service_list), groups, rng)
                for counter in counters:
                    if simulated >= busy_until[counter.pk]:
                        busy_until[counter.pk] = simulated + self._work(
                            counter, official, rng, service_seconds
                        )
                time.sleep(tick / speed)
        except KeyboardInterrupt:
            pass

    def _issue(self, center, issuer, service, groups, rng) -> None:
        group = rng.choice(groups).code if groups and rng.random() < 0.12 else None
        try:
            ticket = services.ticket_issue(
                issuer=issuer, center=center, service_code=service.code, priority_group_code=group
            )
            self.stdout.write(f"issued {ticket.display} ({service.name})")
        except ServiceError as error:
            self.stdout.write(f"not issued: {error.message}")

    def _work(self, counter, official, rng, service_seconds) -> float:
        """Advance the counter by one step; return how long it is busy (simulated seconds)."""
        current = Ticket.objects.filter(counter=counter, status__in=Status.AT_COUNTER).first()
        try:
            if current is None:
                ticket = services.ticket_call_next(actor=official, counter=counter)
                if ticket is None:
                    return 5.0
                self.stdout.write(f"counter {counter.number} calls {ticket.display}")
                return rng.uniform(10, 40)  # walking to the counter
            if current.status == Status.CALLED:
                if rng.random() < 0.04:
                    services.ticket_act(actor=official, counter=counter, action="no_show")
                    return 2.0
                services.ticket_act(actor=official, counter=counter, action="start")
                return max(60.0, rng.expovariate(1 / service_seconds))
            outcome = rng.choices([o.value for o in Ticket.Outcome], weights=[70, 25, 5])[0]
            services.ticket_act(actor=official, counter=counter, action="finish", outcome=outcome)
            return 3.0
        except ServiceError as error:
            self.stdout.write(f"counter {counter.number}: {error.message}")
            return 10.0
