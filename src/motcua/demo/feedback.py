"""Demo queue history, ratings and feedback: what the reports and the satisfaction pages show.

For each demo center and each past working day of the history: tickets per queue service with
plausible arrival peaks (the morning opening, early afternoon), waits and service times, a few
no-shows and people who left; every served ticket's events. About 40 % of served tickets were
rated on the counter's tablet and a quarter of the dossiers with a result answered the survey
(mostly satisfied; a few dissatisfied, more often when the result was late). A handful of
suggestions, complaints and hotline calls in every state. Deterministic (seeded per center) and
idempotent (a center that already has past tickets is left alone). Bulk inserts: a few seconds.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from motcua.dossiers.models import Dossier, Timeliness
from motcua.dossiers.workflow import RESULT_READY
from motcua.feedback import services as feedback_services
from motcua.feedback.models import Feedback, Rating, Reason, Score
from motcua.feedback.workflow import Action
from motcua.organization.models import Center, Membership, Role
from motcua.organization.selectors import center_calendar
from motcua.queueing.models import QueueService, Ticket, TicketEvent

# Arrivals per working hour of the day (local), relative weight.
ARRIVAL_WEIGHTS = {7: 6, 8: 10, 9: 8, 10: 6, 11: 2, 13: 5, 14: 7, 15: 5, 16: 3, 17: 1}
TICKETS_PER_DAY = (18, 42)  # per center, spread over its services
NO_SHOW = 0.05
LEFT = 0.03
RATED_TICKETS = 0.4
SURVEYED_DOSSIERS = 0.25

COMPLAINTS = [
    (
        "complaint",
        "Chờ quá lâu ở quầy đất đai",
        "Sáng thứ hai tôi phải chờ gần hai tiếng mới đến lượt ở quầy đất đai.",
    ),
    (
        "suggestion",
        "Thêm ghế ngồi chờ",
        "Khu vực chờ buổi sáng thường thiếu ghế, người cao tuổi phải đứng.",
    ),
    (
        "praise",
        "Cảm ơn cán bộ tiếp nhận",
        "Cán bộ hướng dẫn rất tận tình, tôi làm xong thủ tục khai sinh cho con chỉ trong 15 phút.",
    ),
    (
        "question",
        "Hỏi về chứng thực bản sao",
        "Tôi cần chứng thực bản sao sổ đỏ thì mang những giấy tờ gì và mất bao lâu?",
    ),
    (
        "complaint",
        "Hồ sơ trễ hẹn",
        "Hồ sơ đăng ký biến động đất đai của gia đình tôi đã quá ngày hẹn mà chưa có kết quả.",
    ),
    (
        "suggestion",
        "Nhắn tin khi sắp đến lượt",
        "Đề nghị trung tâm nhắn tin khi còn 5 người nữa đến lượt để người dân không phải ngồi chờ.",
    ),
]


def _moment(rng: random.Random, day: date, zone: ZoneInfo, calendar) -> datetime | None:
    hours = [h for h in ARRIVAL_WEIGHTS]
    for _ in range(10):
        hour = rng.choices(hours, weights=[ARRIVAL_WEIGHTS[h] for h in hours])[0]
        moment = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
        for start, end in calendar.periods_on(day):
            if start <= moment.time() < end:
                return moment
    return None


def _staff(center: Center, *roles: str) -> list[User]:
    ids = Membership.objects.filter(center=center, role__in=roles).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def demo_queue_history_load(centers: list[Center], *, now: datetime, weeks: int) -> int:
    """Past tickets and their events, and the ratings of some; returns the tickets made."""
    made = 0
    for center in centers:
        zone = ZoneInfo(center.time_zone)
        today = now.astimezone(zone).date()
        if Ticket.objects.filter(center=center, day__lt=today).exists():
            continue
        made += _center_history(center, zone, today, weeks)
    return made


@transaction.atomic
def _center_history(center: Center, zone: ZoneInfo, today: date, weeks: int) -> int:
    rng = random.Random(f"queue:{center.code}")  # noqa: S311
    calendar = center_calendar(center=center)
    services = list(QueueService.objects.filter(center=center).prefetch_related("counters"))
    officials = _staff(center, Role.RECEPTIONIST) or _staff(center, Role.CENTER_ADMIN)
    if not services or not officials:
        return 0
    weights = [3 if i == 0 else 2 if i == 1 else 1 for i in range(len(services))]
    tickets: list[Ticket] = []
    for offset in range(weeks * 7, 0, -1):
        day = today - timedelta(days=offset)
        if not calendar.periods_on(day):
            continue
        numbers = {s.pk: s.number_start for s in services}
        count = rng.randint(*TICKETS_PER_DAY)
        for _ in range(count):
            service = rng.choices(services, weights=weights)[0]
            issued = _moment(rng, day, zone, calendar)
            counters = list(service.counters.all())
            if issued is None or not counters:
                continue
            number = numbers[service.pk]
            numbers[service.pk] += 1
            ticket = Ticket(
                center=center,
                service=service,
                issued_service=service,
                day=day,
                number=number,
                display=service.format_number(number),
                token=secrets.token_urlsafe(12),
                source=rng.choice([Ticket.Source.KIOSK] * 5 + [Ticket.Source.REMOTE]),
                issued_at=issued,
            )
            fate = rng.random()
            wait = timedelta(minutes=min(rng.expovariate(1 / 14), 120))
            if fate < LEFT:
                ticket.status = "expired"
                ticket.finished_at = issued + wait
            else:
                ticket.counter = rng.choice(counters)
                ticket.official = rng.choice(officials)
                called = issued + wait
                ticket.called_at = called
                if fate < LEFT + NO_SHOW:
                    ticket.status = "no_show"
                    ticket.recalls = 2
                    ticket.finished_at = called + timedelta(minutes=3)
                else:
                    ticket.status = "finished"
                    serving = called + timedelta(seconds=rng.randint(20, 120))
                    ticket.serving_at = serving
                    ticket.finished_at = serving + timedelta(minutes=max(1.5, rng.gauss(9, 4)))
                    ticket.outcome = rng.choices(list(Ticket.Outcome.values), weights=[6, 3, 1])[0]
            tickets.append(ticket)
    Ticket.objects.bulk_create(tickets, batch_size=500)
    events: list[TicketEvent] = []
    ratings: list[Rating] = []
    for ticket in tickets:
        events.append(
            TicketEvent(ticket=ticket, action="issue", to_status="waiting", at=ticket.issued_at)
        )
        if ticket.status == "expired":
            events.append(
                TicketEvent(
                    ticket=ticket,
                    action="expire",
                    from_status="waiting",
                    to_status="expired",
                    at=_at(ticket.finished_at),
                )
            )
            continue
        where = {"counter": ticket.counter, "official": ticket.official}
        events.append(
            TicketEvent(
                ticket=ticket,
                action="call",
                from_status="waiting",
                to_status="called",
                at=_at(ticket.called_at),
                **where,
            )
        )
        if ticket.status == "no_show":
            events.append(
                TicketEvent(
                    ticket=ticket,
                    action="no_show",
                    from_status="called",
                    to_status="no_show",
                    at=_at(ticket.finished_at),
                    **where,
                )
            )
            continue
        events += [
            TicketEvent(
                ticket=ticket,
                action="start",
                from_status="called",
                to_status="serving",
                at=_at(ticket.serving_at),
                **where,
            ),
            TicketEvent(
                ticket=ticket,
                action="finish",
                from_status="serving",
                to_status="finished",
                at=_at(ticket.finished_at),
                note=ticket.outcome,
                **where,
            ),
        ]
        if rng.random() < RATED_TICKETS:
            waited = (_at(ticket.called_at) - ticket.issued_at).total_seconds() / 60
            bad = 0.02 + (0.12 if waited > 40 else 0)
            score = _score(rng, bad)
            ratings.append(
                Rating(
                    center=center,
                    kind=Rating.Kind.SERVICE,
                    channel=Rating.Channel.TABLET,
                    ticket=ticket,
                    counter=ticket.counter,
                    official=ticket.official,
                    service=ticket.service,
                    score=score,
                    reasons=_reasons(rng, score, waited > 40),
                    comment=_comment(rng, score),
                    created_at=_at(ticket.finished_at) + timedelta(seconds=rng.randint(5, 40)),
                )
            )
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    Rating.objects.bulk_create(ratings, batch_size=500)
    return len(tickets)


def _at(value: datetime | None) -> datetime:
    """A time the history set just above (typed as optional on the model)."""
    if value is None:
        raise ValueError("demo ticket without its time")
    return value


def _score(rng: random.Random, bad: float) -> str:
    roll = rng.random()
    if roll < bad:
        return Score.DISSATISFIED
    return Score.VERY_SATISFIED if roll < bad + 0.68 else Score.SATISFIED


def _reasons(rng: random.Random, score: str, slow: bool) -> list[str]:
    if score == Score.DISSATISFIED:
        return [Reason.TIMELINESS] if slow else [rng.choice([Reason.GUIDANCE, Reason.ATTITUDE])]
    if rng.random() < 0.5:
        return rng.sample([Reason.ATTITUDE, Reason.GUIDANCE, Reason.TIMELINESS], k=2)
    return []


def _comment(rng: random.Random, score: str) -> str:
    if rng.random() > 0.12:
        return ""
    if score == Score.DISSATISFIED:
        return rng.choice(
            [
                "Phải chờ lâu quá.",
                "Hướng dẫn chưa rõ, tôi phải đi lại hai lần.",
                "Cán bộ trả lời hơi cộc.",
            ]
        )
    return rng.choice(
        ["Cán bộ nhiệt tình.", "Nhanh gọn, cảm ơn.", "Hướng dẫn rất dễ hiểu.", "Rất hài lòng."]
    )


def demo_surveys_load(centers: list[Center], *, now: datetime) -> int:
    """Survey answers for about a quarter of the dossiers with a result (once)."""
    made = 0
    for center in centers:
        if Rating.objects.filter(center=center, kind=Rating.Kind.DOSSIER).exists():
            continue
        rng = random.Random(f"survey:{center.code}")  # noqa: S311
        rows = []
        for dossier in (
            Dossier.objects.filter(center=center, status__in=RESULT_READY)
            .exclude(processed_at=None)
            .select_related("ticket")
            .order_by("pk")
        ):
            if rng.random() >= SURVEYED_DOSSIERS:
                continue
            late = dossier.timeliness == Timeliness.LATE
            score = _score(rng, 0.03 + (0.35 if late else 0))
            at = min(now, _at(dossier.processed_at) + timedelta(hours=rng.randint(1, 72)))
            rows.append(
                Rating(
                    center=center,
                    kind=Rating.Kind.DOSSIER,
                    channel=Rating.Channel.LINK,
                    dossier=dossier,
                    official=dossier.received_by,
                    procedure_id=dossier.procedure_id,
                    score=score,
                    reasons=_reasons(rng, score, late),
                    comment=_comment(rng, score),
                    created_at=at,
                )
            )
        Rating.objects.bulk_create(rows)
        made += len(rows)
    return made


def demo_feedback_load(centers: list[Center], *, now: datetime) -> int:
    """A few suggestions, complaints, praise and hotline calls per center, in every state."""
    made = 0
    for center in centers:
        if Feedback.objects.filter(center=center).exists():
            continue
        rng = random.Random(f"feedback:{center.code}")  # noqa: S311
        leaders = _staff(center, Role.LEADER)
        entry = _staff(center, Role.RECEPTIONIST)
        if not leaders or not entry:
            continue
        leader = leaders[0]
        for index, (category, subject, content) in enumerate(COMPLAINTS):
            source = [
                Feedback.Source.ONLINE,
                Feedback.Source.BOX,
                Feedback.Source.HOTLINE,
                Feedback.Source.ONLINE,
                Feedback.Source.COUNTER,
                Feedback.Source.ONLINE,
            ][index]
            received = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 6))
            item = feedback_services.feedback_submit(
                center=center,
                data=feedback_services.FeedbackInput(
                    category=category,
                    subject=subject,
                    content=content,
                    name="" if index % 2 else "Nguyễn Văn Nam",
                ),
                source=source,
                actor=None if source == Feedback.Source.ONLINE else entry[0],
                received_at=received,
                now=received,
            )
            made += 1
            if index in (0, 2, 3):
                answer = {
                    0: "Trung tâm đã bố trí thêm một cán bộ cho quầy đất đai vào sáng thứ hai. "
                    "Xin cảm ơn ông/bà đã góp ý.",
                    2: "Trung tâm xin cảm ơn lời khen của ông/bà.",
                    3: "Ông/bà mang bản chính và bản sao giấy chứng nhận; chứng thực được trả "
                    "ngay trong ngày.",
                }[index]
                feedback_services.feedback_act(
                    actor=leader,
                    item=item,
                    action=Action.ANSWER,
                    answer=answer,
                    publish=index != 0,
                    now=received + timedelta(days=2),
                )
            elif index == 4:
                feedback_services.feedback_act(
                    actor=leader,
                    item=item,
                    action=Action.ASSIGN,
                    assignee=entry[0].username,
                    now=received + timedelta(hours=3),
                )
    return made


def demo_feedback_setup(centers: list[Center], *, now: datetime | None, weeks: int) -> None:
    now = now or timezone.now()
    if weeks > 0:
        demo_queue_history_load(centers, now=now, weeks=weeks)
        demo_surveys_load(centers, now=now)
    demo_feedback_load(centers, now=now)
