"""How good is the estimated wait? A simulated day of a center, through the real services.

Citizens arrive as a Poisson process (default 60 an hour, 12 % in a priority group), three
counters serve them with exponential service times (default mean 6 minutes) and call the next
ticket as soon as they are free. At each issue the estimate the kiosk prints is recorded; at
each call the real wait is known. Prints the error of the estimate (minutes): mean absolute
error, median, 90th percentile, and the bias (estimate − real, mean).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-hour", type=float, default=60)
    parser.add_argument("--counters", type=int, default=3)
    parser.add_argument("--mean-service", type=float, default=6.0, help="minutes")
    parser.add_argument("--hours", type=float, default=3.5, help="a morning: 07:30-11:00")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command

    from motcua.organization.models import Center, Counter, Province
    from motcua.queueing import services
    from motcua.queueing.models import QueueService, Ticket
    from motcua.queueing.selectors import ticket_public

    call_command("migrate", verbosity=0)
    province = Province.objects.create(code="p", name="P")
    center = Center.objects.create(province=province, code="c", name="C", unit_code="000.00.10.H99")
    service = QueueService.objects.create(
        center=center, code="s", name="S", number_start=1, number_end=9999
    )
    counters = [
        Counter.objects.create(center=center, number=n + 1, name=f"Q{n + 1}")
        for n in range(args.counters)
    ]
    service.counters.set(counters)
    services.priority_groups_ensure(center)
    # Tickets come from a kiosk, as in a hall; an admin works the counters.
    from django.contrib.auth.models import User

    from motcua.organization.services import device_token_create, membership_grant

    admin = User.objects.create(username="a")
    membership_grant(actor=None, user=admin, role="center_admin", center=center)
    device, _raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="K")
    issuer = services.Issuer(source="kiosk", device=device)

    rng = random.Random(args.seed)  # noqa: S311 - a simulation
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime(2026, 11, 25, 7, 30, tzinfo=tz)  # a Wednesday
    end = start + timedelta(hours=args.hours)
    events = []  # (time, kind, payload)
    t = start
    while True:
        t += timedelta(seconds=rng.expovariate(args.per_hour / 3600))
        if t >= end:
            break
        events.append((t, "arrive", None))
    free_at = {c.pk: start for c in counters}
    estimates: dict[int, float] = {}
    errors: list[float] = []
    reals: list[float] = []
    clock = time_machine.travel(start, tick=False)
    traveller = clock.start()
    for counter in counters:
        services.counter_set_status(actor=admin, counter=counter, status="open")
    pending = sorted(events, key=lambda e: e[0])
    now = start
    while pending or Ticket.objects.filter(status__in=["waiting", "called", "serving"]).exists():
        next_free = min(free_at.values())
        next_arrival = pending[0][0] if pending else None
        if next_arrival is not None and next_arrival <= next_free:
            now = next_arrival
            pending.pop(0)
            traveller.move_to(now)
            group = rng.choice(["elderly", "disabled"]) if rng.random() < 0.12 else None
            ticket = services.ticket_issue(
                issuer=issuer, center=center, service_code="s", priority_group_code=group, now=now
            )
            estimates[ticket.pk] = ticket_public(ticket)["estimated_wait_minutes"]
            continue
        counter_id = min(free_at, key=free_at.get)
        now = max(now, free_at[counter_id])
        traveller.move_to(now)
        counter = next(c for c in counters if c.pk == counter_id)
        current = Ticket.objects.filter(counter=counter, status="serving").first()
        if current is not None:
            services.ticket_act(
                actor=admin, counter=counter, action="finish", outcome="advice", now=now
            )
        ticket = services.ticket_call_next(actor=admin, counter=counter, now=now)
        if ticket is None:
            if not pending:
                free_at[counter_id] = datetime.max.replace(tzinfo=tz)
                if all(v.year == 9999 for v in free_at.values()):
                    break
                continue
            free_at[counter_id] = pending[0][0]
            continue
        real = (now - ticket.issued_at).total_seconds() / 60
        reals.append(real)
        errors.append(estimates[ticket.pk] - real)
        services.ticket_act(actor=admin, counter=counter, action="start", now=now)
        free_at[counter_id] = now + timedelta(minutes=rng.expovariate(1 / args.mean_service))
    clock.stop()
    absolute = sorted(abs(e) for e in errors)
    print(
        f"\nEstimated wait vs real wait — {len(errors)} tickets, {args.per_hour}/h, {args.counters} counters, mean service {args.mean_service} min"
    )
    print(
        "| mean abs error (min) | median abs error | p90 abs error | bias (mean est − real) | mean real wait |"
    )
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {statistics.mean(absolute):.1f} | {statistics.median(absolute):.1f} | "
        f"{absolute[int(len(absolute) * 0.9) - 1]:.1f} | {statistics.mean(errors):+.1f} | "
        f"{statistics.mean(reals):.1f} |"
    )


if __name__ == "__main__":
    main()
