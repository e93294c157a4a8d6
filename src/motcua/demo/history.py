"""Weeks of dossier history for the demo centers, made through the real services with ``now=``
in the past: online, in person and by post in the shares the seed articles report.

Deterministic (one seeded random generator per center; the dates follow the day it runs) and
idempotent (a center that already has dossiers is left alone). Reception: registered, accepted,
supplement requested (and sometimes answered), refused; every accepted dossier then moves along
its internal process as far as its plan goes before ``now`` (``demo.processing``).
"""

from __future__ import annotations

import io
import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from motcua.catalog.models import CenterProcedure, Channel, OnlineLevel
from motcua.demo import province as data
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierEvent, ResultDelivery
from motcua.dossiers.selectors import checklist_for
from motcua.notifications.models import Message
from motcua.organization.models import Center, Membership, Role
from motcua.organization.selectors import center_calendar
from motcua.workcalendar.calendar import WorkingCalendar, add_working_time

WEEKS = 6


@dataclass
class Plan:
    """What happens to one dossier, decided before anything is written."""

    channel: int
    at: datetime
    link: CenterProcedure


@cache
def _scan_pdf(variant: int) -> bytes:
    """A small one-page PDF standing for a scanned document."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=420, height=595)  # A5
    writer.add_metadata({"/Title": f"Bản quét hồ sơ {variant}", "/Producer": "motcua demo"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def _photo_png(variant: int) -> bytes:
    """A small PNG standing for a phone photo of a paper."""
    from PIL import Image

    shade = 200 + variant * 7
    out = io.BytesIO()
    Image.new("RGB", (60, 84), (shade, shade, 235)).save(out, format="PNG")
    return out.getvalue()


def _file(rng: random.Random, name: str) -> SimpleUploadedFile:
    if rng.random() < 0.25:
        return SimpleUploadedFile(f"{name}.png", _photo_png(rng.randrange(4)), "image/png")
    return SimpleUploadedFile(f"{name}.pdf", _scan_pdf(rng.randrange(6)), "application/pdf")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


def _applicant(rng: random.Random, place: str) -> dict[str, Any]:
    """A plausible citizen: a Vietnamese name, a 12-digit ID whose digits agree with the birth
    year and gender (province code 056), a mobile number 09…, an address in the commune."""
    female = rng.random() < 0.52
    family = _weighted(rng, data.FAMILY_NAMES)
    middle = rng.choice(data.MIDDLE_NAMES_FEMALE if female else data.MIDDLE_NAMES_MALE)
    given = rng.choice(data.GIVEN_NAMES_FEMALE if female else data.GIVEN_NAMES_MALE)
    name = f"{family} {middle} {given}"
    birth = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 62))  # 1945–2006
    century = 0 if birth.year < 2000 else 2
    id_number = f"056{century + female}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
    applicant: dict[str, Any] = {
        "name": name,
        "id_number": id_number,
        "birth_date": birth.isoformat(),
        "gender": "female" if female else "male",
        "address": f"{rng.choice(data.HAMLETS)}, {place}, {data.PROVINCE['name'].split(' (')[0]}",
        "phone": f"09{rng.randrange(10**8):08d}",
    }
    if rng.random() < 0.3:
        applicant["email"] = f"{_ascii(given)}.{_ascii(family)}{birth.year % 100:02d}@example.com"
    if rng.random() < 0.3:
        applicant["old_id_number"] = f"{rng.randrange(2 * 10**8, 3 * 10**8)}"
    return applicant


def _weighted[T](rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in pairs], weights=[w for _, w in pairs])[0]


class _Quota:
    """Picks outcomes so that their counts follow the shares closely (independent draws stray
    far from them over a few hundred dossiers), in a random-looking order."""

    def __init__(self, rng: random.Random, shares: dict[str, float]) -> None:
        self.rng = rng
        self.shares = shares
        self.counts: Counter[str] = Counter()

    def pick(self) -> str:
        total = sum(self.counts.values()) + 1
        choice = max(
            self.shares,
            key=lambda k: self.shares[k] * total - self.counts[k] + self.rng.uniform(-0.8, 0.8),
        )
        self.counts[choice] += 1
        return choice

    def record(self, outcome: str) -> None:
        """An outcome that was not picked (an online dossier on a day off) still counts."""
        self.counts[outcome] += 1


def _moment_in_hours(rng: random.Random, calendar: WorkingCalendar, day: date) -> datetime | None:
    """A random minute inside the day's working periods (None on a day off)."""
    intervals = list(calendar.intervals_on(day))
    if not intervals:
        return None
    total = sum(int((end - start).total_seconds() // 60) for start, end in intervals)
    minute = rng.randrange(max(total - 10, 1))
    for start, end in intervals:
        length = int((end - start).total_seconds() // 60)
        if minute < length:
            return start + timedelta(minutes=minute, seconds=rng.randrange(60))
        minute -= length
    return intervals[-1][0]


def _online_moment(rng: random.Random, calendar: WorkingCalendar, day: date) -> datetime:
    """Citizens submit online at any hour; most in office hours (many at the center's own
    computers, helped by staff), the rest in the evening or at the weekend."""
    during = _moment_in_hours(rng, calendar, day)
    if during is not None and rng.random() < 0.7:
        return during
    hour = rng.choice([6, 7, 12, 18, 19, 20, 21, 22])
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), calendar.tz)


class _History:
    """The history of one center."""

    def __init__(self, center: Center, spec: dict[str, Any], now: datetime, weeks: int) -> None:
        self.center = center
        self.weeks = weeks
        self.spec = spec
        self.now = now
        # Demo data, not secrets: a seeded generator makes the same history every time.
        self.rng = random.Random(f"motcua-demo-dossiers:{center.code}")  # noqa: S311
        self.calendar = center_calendar(center=center)
        self.links = list(
            CenterProcedure.objects.filter(
                center=center,
                is_active=True,
                procedure__is_active=True,
                procedure__current_version__isnull=False,
            )
            .select_related("procedure", "procedure__current_version")
            .prefetch_related("procedure__fields")
            .order_by("procedure__code")
        )
        self.by_field: dict[str, list[CenterProcedure]] = {}
        self.online_by_field: dict[str, list[CenterProcedure]] = {}
        for link in self.links:
            self.by_field.setdefault(self._field(link), []).append(link)
            if link.procedure.online_level != OnlineLevel.NONE:
                self.online_by_field.setdefault(self._field(link), []).append(link)
        mix = spec["dossiers"]
        self.channels = _Quota(
            self.rng,
            {
                "online": mix["online"],
                "postal": mix["postal"],
                "in_person": 1 - mix["online"] - mix["postal"],
            },
        )
        self.decisions = {
            channel: _Quota(self.rng, shares) for channel, shares in data.DECISION_SHARES.items()
        }
        staff = (
            Membership.objects.filter(center=center)
            .select_related("user")
            .order_by("user__username")
        )
        self.receptionists = [m.user for m in staff if m.role == Role.RECEPTIONIST]
        self.postal = [m.user for m in staff if m.role == Role.POSTAL] or self.receptionists
        self.place = spec["name"].split("hành chính công ", 1)[-1]
        self.counts: Counter[str] = Counter()
        self.first_message = (Message.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        self.checklists: dict[int, list] = {}
        from motcua.demo.processing import DemoProcess

        self.process = DemoProcess(center, spec, now, self.rng, _Quota, self.calendar)

    @staticmethod
    def _field(link: CenterProcedure) -> str:
        fields = list(link.procedure.fields.all())
        return fields[0].code if fields else ""

    # --- Planning -------------------------------------------------------------------------

    def _procedure(self, *, online: bool) -> CenterProcedure:
        """A field by how often it is asked for, then one of its procedures."""
        links = self.online_by_field if online else self.by_field
        fields = sorted(links)
        field = self.rng.choices(fields, [data.FIELD_SHARES.get(f, 1.0) for f in fields])[0]
        return self.rng.choice(links[field])

    def plans(self) -> list[Plan]:
        per_day = self.spec["dossiers"]["per_day"]
        today = timezone.localdate(self.now, self.calendar.tz)
        plans: list[Plan] = []
        day = today - timedelta(weeks=self.weeks)
        while day <= today:
            working = self.calendar.is_working_day(day)
            volume = per_day if working else per_day * 0.15
            for _ in range(max(0, round(self.rng.gauss(volume, volume * 0.3)))):
                if working:
                    channel = self.channels.pick()
                else:
                    channel = "online"  # the center is closed; the portal is not
                    self.channels.record(channel)
                if channel == "online":
                    at = _online_moment(self.rng, self.calendar, day)
                    plan = Plan(Channel.ONLINE, at, self._procedure(online=True))
                else:
                    at = _moment_in_hours(self.rng, self.calendar, day) or self.now
                    code = Channel.POSTAL if channel == "postal" else Channel.IN_PERSON
                    plan = Plan(code, at, self._procedure(online=False))
                if at < self.now:
                    plans.append(plan)
            day += timedelta(days=1)
        plans.sort(key=lambda plan: plan.at)
        return plans

    # --- Making -----------------------------------------------------------------------------

    def make(self) -> Counter[str]:
        for plan in self.plans():
            if plan.channel == Channel.ONLINE:
                self._online(plan)
            else:
                self._at_counter(plan)
        self._processed()
        self._messages_shown()
        return self.counts

    def _processed(self) -> None:
        """Where the accepted dossiers stand now, for the summary."""
        statuses = Dossier.objects.filter(center=self.center).values_list("status", flat=True)
        names = {4: "processing", 9: "processed", 10: "returned", 5: "supplement_open"}
        for status in statuses:
            if status in names:
                self.counts[names[status]] += 1

    def _messages_shown(self) -> None:
        """The messages of the past were shown (the demo sends nothing) when they were written:
        at the time of the event that caused them (their key names the dossier and the number
        of its events then)."""
        times: dict[int, list[datetime]] = {}
        for dossier_id, at in (
            DossierEvent.objects.filter(dossier__center=self.center)
            .order_by("dossier_id", "at", "id")
            .values_list("dossier_id", "at")
        ):
            times.setdefault(dossier_id, []).append(at)
        messages = list(
            Message.objects.filter(
                pk__gte=self.first_message,
                center=self.center,
                idempotency_key__startswith="dossier:",
            ).only("pk", "idempotency_key")
        )
        for message in messages:
            _prefix, dossier, _kind, events, _channel = message.idempotency_key.split(":")
            at = times[int(dossier)][int(events) - 1]
            message.status = Message.Status.SHOWN
            message.created_at = message.sent_at = at
        Message.objects.bulk_update(messages, ["status", "created_at", "sent_at"], batch_size=300)

    def _checklist(self, link: CenterProcedure) -> list:
        version = link.procedure.current_version
        assert version is not None  # noqa: S101 - the links are filtered on it
        if version.pk not in self.checklists:
            self.checklists[version.pk] = checklist_for(version)
        return self.checklists[version.pk]

    def _later(self, start: datetime, low: int, high: int) -> datetime:
        """``low``–``high`` working minutes after ``start``."""
        return add_working_time(
            self.calendar, start, timedelta(minutes=self.rng.randint(low, high))
        )

    def _ticks(self, link: CenterProcedure, *, all_received: bool) -> tuple[list, list[str]]:
        documents = self._checklist(link)
        missing_one = None if all_received or not documents else self.rng.choice(documents)
        ticks = [
            services.DocumentTick(doc.pk, received=doc is not missing_one) for doc in documents
        ]
        extra = [] if missing_one is not None else [self.rng.choice(data.SUPPLEMENT_ITEMS)]
        return ticks, extra

    def _decision(self, link: CenterProcedure, kind: str) -> tuple[services.Decision, list]:
        """The decision ``kind`` (accept, supplement, refuse) and the checklist ticked for it."""
        if kind == "supplement":
            ticks, extra = self._ticks(link, all_received=False)
            return services.Decision("supplement", missing=extra, note=data.SUPPLEMENT_NOTE), ticks
        ticks, _extra = self._ticks(link, all_received=True)
        if kind == "refuse":
            return services.Decision("refuse", reasons=self.rng.choice(data.REFUSAL_REASONS)), ticks
        return services.Decision("accept"), ticks

    def _online(self, plan: Plan) -> None:
        rng = self.rng
        documents = self._checklist(plan.link)
        # Most upload one PDF of the whole dossier; some a file per document.
        if documents and rng.random() < 0.3:
            uploads = [
                services.Upload(_file(rng, f"giay-to-{n}"), doc.pk)
                for n, doc in enumerate(documents[:3], start=1)
            ]
        else:
            uploads = [services.Upload(_file(rng, "ho-so"))]
        delivery = ResultDelivery.COUNTER if rng.random() < 0.2 else ResultDelivery.ELECTRONIC
        dossier = services.dossier_submit_online(
            center=self.center,
            procedure_code=plan.link.procedure.code,
            applicant=_applicant(rng, self.place),
            uploads=uploads,
            result_delivery=delivery,
            now=plan.at,
        )
        self.counts["online"] += 1
        checked_at = self._later(plan.at, 10, 300)
        if checked_at >= self.now:
            self.counts["registered"] += 1
            return  # still waiting for a receptionist
        self._decide(dossier, checked_at, self.decisions["online"].pick(), answer_online=True)

    def _decide(self, dossier: Dossier, at: datetime, kind: str, *, answer_online: bool) -> None:
        link = next(lk for lk in self.links if lk.procedure_id == dossier.procedure_id)
        actor = (
            self.rng.choice(self.postal)
            if dossier.channel == Channel.POSTAL
            else self.rng.choice(self.receptionists)
        )
        decision, ticks = self._decision(link, kind)
        dossier, _form = services.dossier_decide(
            actor=actor, dossier=dossier, decision=decision, documents=ticks, now=at
        )
        self.counts[decision.decision] += 1
        if decision.decision == "supplement":
            self._supplement_back(dossier, at, online=answer_online)
        elif decision.decision == "accept":
            self._process(dossier)

    def _process(self, dossier: Dossier) -> None:
        self.process.run(
            Dossier.objects.select_related("current_step__assignee").get(pk=dossier.pk)
        )

    def _supplement_back(self, dossier: Dossier, asked_at: datetime, *, online: bool) -> None:
        """Most citizens bring or send what was missing within a few days."""
        if self.rng.random() < 0.3:
            return  # not yet (or never)
        back_at = self._later(asked_at, 120, 8 * 60 * 4)
        if back_at >= self.now:
            return
        self.counts["supplement_answered"] += 1
        if online:
            dossier = services.dossier_supplement_answer(
                dossier=dossier,
                uploads=[services.Upload(_file(self.rng, "bo-sung"))],
                note=self.rng.choice(data.SUPPLEMENT_ANSWERS),
                now=back_at,
            )
            checked_at = self._later(back_at, 10, 240)
            if checked_at >= self.now:
                self.counts["registered"] += 1
                return
            self._decide(dossier, checked_at, self._after_supplement(), answer_online=True)
        else:
            # Brought to the counter (or posted back): checked there and then.
            self._decide(dossier, back_at, self._after_supplement(), answer_online=False)

    def _after_supplement(self) -> str:
        return "refuse" if self.rng.random() < 0.05 else "accept"

    def _at_counter(self, plan: Plan) -> None:
        rng = self.rng
        postal = plan.channel == Channel.POSTAL
        actor = rng.choice(self.postal if postal else self.receptionists)
        kind = self.decisions["postal" if postal else "in_person"].pick()
        decision, ticks = self._decision(plan.link, kind)
        scanned = rng.random() < (0.5 if postal else 0.25)
        dossier, _form = services.dossier_receive(
            actor=actor,
            center=self.center,
            procedure_code=plan.link.procedure.code,
            channel=plan.channel,
            applicant=_applicant(rng, self.place),
            documents=ticks,
            decision=decision,
            uploads=[services.Upload(_file(rng, "ban-quet"))] if scanned else [],
            result_delivery=(
                ResultDelivery.POST if postal or rng.random() < 0.1 else ResultDelivery.COUNTER
            ),
            postal_tracking=f"EB{rng.randrange(10**9):09d}VN" if postal else "",
            now=plan.at,
        )
        self.counts["postal" if postal else "in_person"] += 1
        self.counts[decision.decision] += 1
        if decision.decision == "supplement":
            self._supplement_back(dossier, plan.at, online=False)
        elif decision.decision == "accept":
            self._process(dossier)


def demo_dossiers_load(
    centers: list[Center], *, now: datetime | None = None, weeks: int = WEEKS
) -> dict[str, Counter[str]]:
    """Make ``weeks`` of dossier history up to ``now`` for each demo center that has no
    dossiers yet; what was made, per center code (counts by channel and by decision)."""
    now = now or timezone.now()
    specs = {spec["code"]: spec for spec in data.CENTERS}
    made: dict[str, Counter[str]] = {}
    if weeks <= 0:
        return made
    for center in centers:
        spec = specs.get(center.code)
        if spec is None or Dossier.objects.filter(center=center).exists():
            continue
        made[center.code] = _History(center, spec, now, weeks).make()
    return made
