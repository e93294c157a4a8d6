"""Issuing tickets: numbering, hours, days off, limits, who may issue, and refusals that leave
nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import pytest
import time_machine

from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.organization.services import device_token_create
from motcua.queueing import services
from motcua.queueing.models import QueueService, Ticket, TicketEvent, TicketSequence
from motcua.queueing.services import Issuer
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import NOW, at, issue, make_service

pytestmark = pytest.mark.django_db


def kiosk_of(center, admin) -> Issuer:
    device, _raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="K")
    return Issuer(source="kiosk", device=device)


def remote_on(center, **fields):
    policy = services.queue_policy(center)
    policy.remote_enabled = True
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def sequence_of(service, day=None) -> int | None:
    row = TicketSequence.objects.filter(service=service, day=day or NOW.date()).first()
    return row.last_number if row else None


# --- Numbers --------------------------------------------------------------------------------


def test_numbers_are_consecutive_from_number_start(center, service):
    tickets = [issue(center) for _ in range(5)]

    assert [t.number for t in tickets] == [1001, 1002, 1003, 1004, 1005]
    assert [t.display for t in tickets] == ["1001", "1002", "1003", "1004", "1005"]
    assert all(t.status == "waiting" and t.day == NOW.date() for t in tickets)
    assert sequence_of(service) == 1005
    assert TicketSequence.objects.get(service=service).issued == 5


def test_display_with_a_prefix_has_three_digits_at_least(center):
    make_service(center, "dat-dai", prefix="A", number_start=1, number_end=1500)
    make_service(center, "xay-dung", prefix="XD", number_start=998, number_end=1500)

    assert [issue(center, "dat-dai").display for _ in range(3)] == ["A001", "A002", "A003"]
    assert [issue(center, "xay-dung").display for _ in range(3)] == ["XD998", "XD999", "XD1000"]


@pytest.mark.parametrize("prefix", ["", "A", "XD"])
@pytest.mark.parametrize("number", [0, 1, 9, 10, 99, 100, 999, 1000, 12345])
def test_the_stored_display_is_format_number(center, prefix, number):
    """On PostgreSQL the display is written by the issuing statement itself (in SQL): it must
    be what ``QueueService.format_number`` says, at every width."""
    service = make_service(center, "so", prefix=prefix, number_start=number, number_end=number + 1)
    ticket = issue(center, "so")

    assert ticket.display == service.format_number(number)
    assert Ticket.objects.get(pk=ticket.pk).display == service.format_number(number)


def test_format_number():
    assert QueueService(prefix="").format_number(1005) == "1005"
    assert QueueService(prefix="").format_number(7) == "7"
    assert QueueService(prefix="A").format_number(15) == "A015"
    assert QueueService(prefix="B").format_number(1234) == "B1234"


def test_each_service_has_its_own_numbers(center, service):
    make_service(center, "dat-dai", prefix="B", number_start=1)

    assert issue(center).number == 1001
    assert issue(center, "dat-dai").display == "B001"
    assert issue(center).number == 1002
    assert issue(center, "dat-dai").display == "B002"


def test_numbers_restart_the_next_day(center, service):
    assert [issue(center, now=at(9)).number for _ in range(3)] == [1001, 1002, 1003]

    thursday = [issue(center, now=at(8, 0, day=26)) for _ in range(2)]

    assert [t.number for t in thursday] == [1001, 1002]
    assert [t.day.isoformat() for t in thursday] == ["2026-11-26"] * 2
    assert sequence_of(service) == 1003
    assert sequence_of(service, at(8, day=26).date()) == 1002


def test_the_day_is_the_centers_day_not_utc(center, service):
    # 07:45 in Hà Nội is 00:45 UTC the same day; 17:00 is 10:00 UTC: both on the 25th.
    assert issue(center, now=at(7, 45)).day.isoformat() == "2026-11-25"
    assert issue(center, now=at(17, 0)).day.isoformat() == "2026-11-25"


def test_the_range_used_up(center):
    small = make_service(center, "nho", number_start=1, number_end=3)
    assert [issue(center, "nho").number for _ in range(3)] == [1, 2, 3]

    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            issue(center, "nho")
        assert refused.value.code == "range_used_up"

    assert Ticket.objects.filter(service=small).count() == 3
    assert sequence_of(small) == 3
    # The next day starts again.
    assert issue(center, "nho", now=at(9, day=26)).number == 1


def test_a_range_of_one_number(center):
    make_service(center, "mot", number_start=7, number_end=7)
    assert issue(center, "mot").number == 7
    with pytest.raises(Conflict) as refused:
        issue(center, "mot")
    assert refused.value.code == "range_used_up"


def test_daily_cap(center):
    capped = make_service(center, "gioi-han", daily_cap=2)
    issue(center, "gioi-han")
    issue(center, "gioi-han")

    with pytest.raises(Conflict) as refused:
        issue(center, "gioi-han")

    assert refused.value.code == "daily_cap_reached"
    assert Ticket.objects.filter(service=capped).count() == 2
    assert TicketSequence.objects.get(service=capped).issued == 2


def test_a_cap_of_zero_refuses_the_days_first_ticket(center):
    make_service(center, "dong", daily_cap=0)

    with pytest.raises(Conflict) as refused:
        issue(center, "dong")

    assert refused.value.code == "daily_cap_reached"
    assert not TicketSequence.objects.exists()
    assert not Ticket.objects.exists()


def test_a_ticket_is_never_issued_earlier_than_the_one_before(center, service):
    """Two processes' clocks may differ: a ticket issued by one whose clock is behind still
    gets a time no earlier than the service's ticket before it, so the queue, called in order
    of issue time, stays in order of number."""
    with time_machine.travel(at(9, 0), tick=False):
        first = issue(center, now=None)
    with time_machine.travel(
        at(9, 0) - timedelta(seconds=2), tick=False
    ):  # a clock two seconds behind
        second = issue(center, now=None)
    with time_machine.travel(at(9, 0) + timedelta(seconds=5), tick=False):
        third = issue(center, now=None)

    assert [t.number for t in (first, second, third)] == [1001, 1002, 1003]
    assert first.issued_at == second.issued_at == at(9, 0)
    assert third.issued_at == at(9, 0) + timedelta(seconds=5)
    stored = Ticket.objects.get(pk=second.pk)
    assert stored.issued_at == at(9, 0)
    assert TicketEvent.objects.get(ticket=second).at == at(9, 0)
    assert second.issued_at.utcoffset() == at(9, 0).utcoffset()  # in the center's zone
    assert TicketSequence.objects.get(service=service).last_issued_at == at(9, 0) + timedelta(
        seconds=5
    )


# --- Hours and days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [at(6, 0), at(7, 29), at(17, 30), at(18, 0), at(23, 59), at(0, 30, day=26)],
    ids=["06:00", "07:29", "17:30", "18:00", "23:59", "00:30"],
)
def test_outside_issuing_hours(center, service, moment):
    with pytest.raises(Conflict) as refused:
        issue(center, now=moment)

    assert refused.value.code == "outside_issuing_hours"
    assert "07:30" in refused.value.message and "17:30" in refused.value.message
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("moment", [at(7, 30), at(11, 29), at(13, 30), at(17, 29)], ids=str)
def test_inside_issuing_hours(center, service, moment):
    assert issue(center, now=moment).issued_at == moment


@pytest.mark.parametrize("moment", [at(11, 30), at(12, 0), at(13, 29)], ids=str)
def test_no_tickets_during_the_lunch_break(center, service, moment):
    with pytest.raises(Conflict) as refused:
        issue(center, now=moment)
    assert refused.value.code == "outside_issuing_hours"


@pytest.mark.parametrize(
    "moment",
    [at(9, day=28), at(9, day=29), at(9, day=24)],
    ids=["saturday", "sunday", "vietnamese-culture-day-holiday"],
)
def test_closed_today(center, service, moment):
    with pytest.raises(Conflict) as refused:
        issue(center, now=moment)

    assert refused.value.code == "closed_today"
    assert not Ticket.objects.exists()
    assert not TicketSequence.objects.exists()


def test_a_center_override_opens_a_saturday(center, service):
    from motcua.workcalendar.models import CalendarOverride

    CalendarOverride.objects.create(
        center_code=center.code, date=at(9, day=28).date(), kind=CalendarOverride.Kind.WORKING_DAY
    )
    assert issue(center, now=at(9, day=28)).number == 1001


def test_a_services_own_window_overrides_the_centers(center):
    make_service(center, "sang", issue_from=time(8, 0), issue_until=time(10, 0))

    for moment in (at(7, 45), at(10, 0), at(14, 0)):
        with pytest.raises(Conflict) as refused:
            issue(center, "sang", now=moment)
        assert refused.value.code == "outside_issuing_hours"
        assert "08:00" in refused.value.message and "10:00" in refused.value.message
    assert issue(center, "sang", now=at(8, 0)).number == 1001
    assert issue(center, "sang", now=at(9, 59)).number == 1002


def test_a_service_window_may_extend_the_day_but_not_open_a_day_off(center):
    make_service(center, "muon", issue_from=time(7, 0), issue_until=time(19, 0))

    assert issue(center, "muon", now=at(7, 10)).number == 1001
    assert issue(center, "muon", now=at(18, 30)).number == 1002
    with pytest.raises(Conflict) as refused:
        issue(center, "muon", now=at(9, day=28))
    assert refused.value.code == "closed_today"


def test_only_one_end_of_the_window_overridden(center):
    make_service(center, "chieu", issue_until=time(16, 0))

    assert issue(center, "chieu", now=at(7, 30)).number == 1001
    with pytest.raises(Conflict) as refused:
        issue(center, "chieu", now=at(16, 0))
    assert refused.value.code == "outside_issuing_hours"


# --- What is asked for -------------------------------------------------------------------------


def test_unknown_service(center, service, other_center):
    make_service(other_center, "chi-o-nam-cuong")
    QueueService.objects.create(
        center=center, code="da-tat", name="Đã tắt", is_active=False, number_start=1
    )

    for code in ("khong-co", "chi-o-nam-cuong", "da-tat", ""):
        with pytest.raises(NotFound) as refused:
            issue(center, code)
        assert refused.value.code == "unknown_service"
        assert refused.value.status == 404
    assert not Ticket.objects.exists()


def test_priority_groups(center, service, groups):
    elderly = issue(center, priority="elderly")
    normal = issue(center, priority=None)
    empty = issue(center, priority="")

    assert elderly.priority_group == groups["elderly"] and elderly.is_priority
    assert normal.priority_group is None and not normal.is_priority
    assert empty.priority_group is None


def test_bad_priority_group(center, service, groups, other_center):
    services.priority_groups_ensure(other_center)
    groups["disabled"].is_active = False
    groups["disabled"].save()

    for code in ("vip", "disabled", "ELDERLY"):
        with pytest.raises(InvalidInput) as refused:
            issue(center, priority=code)
        assert refused.value.code == "unknown_priority_group"
    assert not Ticket.objects.exists()


def test_priority_groups_ensure_is_idempotent(center):
    services.priority_groups_ensure(center)
    services.priority_groups_ensure(center)

    codes = list(center.priority_groups.values_list("code", flat=True))
    assert codes == ["elderly", "disabled", "pregnant", "meritorious"]


# --- Who issues --------------------------------------------------------------------------------


def test_a_kiosk_of_the_center_issues(center, service, kiosk):
    device, _raw = kiosk

    ticket = issue(center, issuer=Issuer(source="kiosk", device=device), phone="0912345678")

    assert ticket.source == "kiosk"
    assert ticket.phone == ""  # only remote tickets keep a phone
    event = TicketEvent.objects.get(ticket=ticket)
    assert event.official is None


def test_kiosk_refusals(center, other_center, service, center_admin, counter):
    other_admin = staff("center_admin", other_center)
    other_kiosk, _ = device_token_create(
        actor=other_admin, center=other_center, purpose="kiosk", name="K"
    )
    display, _ = device_token_create(
        actor=center_admin, center=center, purpose="display", name="TV"
    )
    terminal, _ = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="Q1", counter=counter
    )

    for device in (other_kiosk, display, terminal, None):
        with pytest.raises(NotAllowed) as refused:
            issue(center, issuer=Issuer(source="kiosk", device=device))
        assert refused.value.code == "not_a_kiosk"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", ["receptionist", "center_admin", "specialist", "leader", "postal"])
def test_staff_of_the_center_issue(center, service, role):
    user = staff(role, center)

    ticket = issue(center, issuer=Issuer(source="staff", user=user))

    assert ticket.source == "staff"
    assert TicketEvent.objects.get(ticket=ticket).official == user


def test_staff_refusals(center, other_center, service, other_staff):
    analyst = staff("analyst", center)

    for user in (other_staff, analyst, None):
        with pytest.raises(NotAllowed) as refused:
            issue(center, issuer=Issuer(source="staff", user=user))
        assert refused.value.code == "forbidden"
    assert not Ticket.objects.exists()


def test_unknown_source(center, service):
    with pytest.raises(InvalidInput):
        issue(center, issuer=Issuer(source="fax"))


def test_remote_disabled_by_default(center, service):
    with pytest.raises(NotAllowed) as refused:
        issue(center, issuer=Issuer(source="remote"), phone="0912345678")

    assert refused.value.code == "remote_disabled"
    assert not Ticket.objects.exists()


def test_remote_disabled_for_one_service(center, service):
    remote_on(center)
    make_service(center, "tai-cho", allow_remote=False)

    with pytest.raises(NotAllowed) as refused:
        issue(center, "tai-cho", issuer=Issuer(source="remote"), phone="0912345678")
    assert refused.value.code == "remote_disabled"

    assert issue(center, issuer=Issuer(source="remote"), phone="0912345678").source == "remote"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("02583123456", "02583123456"),
    ],
)
def test_remote_with_a_phone(center, service, given, stored):
    remote_on(center)

    ticket = issue(center, issuer=Issuer(source="remote"), phone=given)

    assert (ticket.source, ticket.phone) == ("remote", stored)
    assert TicketEvent.objects.get(ticket=ticket).official is None


@pytest.mark.parametrize(
    "phone", ["", "   ", "12345", "912345678", "0912abc678", "091234567890", "+1 202 555 0100"]
)
def test_remote_without_a_good_phone(center, service, phone):
    remote_on(center)

    with pytest.raises(InvalidInput) as refused:
        issue(center, issuer=Issuer(source="remote"), phone=phone)

    assert refused.value.code == "invalid_phone"
    assert not Ticket.objects.exists()


def test_remote_limit_per_phone_per_day(center, service):
    remote_on(center)
    make_service(center, "dat-dai")
    remote = Issuer(source="remote")
    issue(center, issuer=remote, phone="0912345678")

    # The same phone written another way, and for another service: still the same phone.
    for code, phone in (("ho-tich", "0912345678"), ("dat-dai", "+84 912 345 678")):
        with pytest.raises(Conflict) as refused:
            issue(center, code, issuer=remote, phone=phone)
        assert refused.value.code == "remote_limit"

    assert issue(center, issuer=remote, phone="0987654321").number == 1002
    # A kiosk ticket for the same person is not limited.
    assert issue(center, phone="0912345678").number == 1003
    # The next day the phone may take a ticket again.
    assert issue(center, issuer=remote, phone="0912345678", now=at(9, day=26)).number == 1001


def test_remote_limit_is_the_policys(center, service):
    remote_on(center, remote_per_phone_per_day=2)
    remote = Issuer(source="remote")
    issue(center, issuer=remote, phone="0912345678")
    issue(center, issuer=remote, phone="0912345678")

    with pytest.raises(Conflict) as refused:
        issue(center, issuer=remote, phone="0912345678")

    assert refused.value.code == "remote_limit"
    assert "2" in refused.value.message


# --- Refusals leave nothing behind --------------------------------------------------------------


def _refusals(center, other_center) -> dict[str, Callable[[], object]]:
    other_admin = staff("center_admin", other_center)
    other_kiosk, _ = device_token_create(
        actor=other_admin, center=other_center, purpose="kiosk", name="K"
    )
    other = staff("receptionist", other_center)
    return {
        "unknown_service": lambda: issue(center, "khong-co"),
        "unknown_priority_group": lambda: issue(center, priority="vip"),
        "outside_issuing_hours": lambda: issue(center, now=at(18, 0)),
        "closed_today": lambda: issue(center, now=at(9, day=28)),
        "not_a_kiosk": lambda: issue(center, issuer=Issuer(source="kiosk", device=other_kiosk)),
        "forbidden": lambda: issue(center, issuer=Issuer(source="staff", user=other)),
        "remote_disabled": lambda: issue(
            center, issuer=Issuer(source="remote"), phone="0912000000"
        ),
    }


REFUSALS = [
    "unknown_service",
    "unknown_priority_group",
    "outside_issuing_hours",
    "closed_today",
    "not_a_kiosk",
    "forbidden",
    "remote_disabled",
]


@pytest.mark.parametrize("code", REFUSALS)
def test_a_refusal_issues_nothing_and_uses_no_number(code, center, other_center, service, groups):
    assert issue(center).number == 1001
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()
    refuse = _refusals(center, other_center)[code]

    with pytest.raises((Conflict, InvalidInput, NotAllowed, NotFound)) as refused:
        refuse()

    assert refused.value.code == code
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events)
    assert sequence_of(service) == 1001
    assert TicketSequence.objects.count() == 1
    assert issue(center).number == 1002


def test_remote_refusals_use_no_number(center, service):
    remote_on(center)
    remote = Issuer(source="remote")
    assert issue(center, issuer=remote, phone="0912345678").number == 1001

    for phone, code in (("", "invalid_phone"), ("0912345678", "remote_limit")):
        with pytest.raises((Conflict, InvalidInput)) as refused:
            issue(center, issuer=remote, phone=phone)
        assert refused.value.code == code
        assert sequence_of(service) == 1001

    assert issue(center).number == 1002
    assert Ticket.objects.count() == TicketEvent.objects.count() == 2


def test_a_cap_refusal_uses_no_number(center):
    capped = make_service(center, "gioi-han", daily_cap=1)
    issue(center, "gioi-han")
    for _ in range(3):
        with pytest.raises(Conflict):
            issue(center, "gioi-han")
    assert sequence_of(capped) == 1001
    assert TicketSequence.objects.get(service=capped).issued == 1

    capped.daily_cap = 2
    capped.save()
    # Raising the cap gives the very next number: the refusals consumed nothing.
    assert issue(center, "gioi-han").number == 1002


# --- Events -------------------------------------------------------------------------------------


def test_each_issue_appends_an_issue_event(center, service, receptionist, kiosk):
    remote_on(center)
    tickets = [
        issue(center, issuer=Issuer(source="staff", user=receptionist), now=at(8, 0)),
        issue(center, issuer=Issuer(source="kiosk", device=kiosk[0]), now=at(8, 5)),
        issue(center, issuer=Issuer(source="remote"), phone="0912345678", now=at(8, 10)),
    ]

    events = list(TicketEvent.objects.order_by("id"))
    assert [e.ticket_id for e in events] == [t.pk for t in tickets]
    for event, ticket, official in zip(events, tickets, (receptionist, None, None), strict=True):
        assert event.action == "issue"
        assert (event.from_status, event.to_status) == ("", "waiting")
        assert event.at == ticket.issued_at
        assert event.official == official
        assert event.counter is None


def test_tokens_are_unique_and_url_safe(center, service):
    tokens = [issue(center).token for _ in range(20)]

    assert len(set(tokens)) == 20
    assert all(len(t) >= 16 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_the_centers_own_working_hours(center, center_admin):
    from motcua.organization.services import working_periods_set

    afternoon_only = [((time(13, 0), time(16, 0)),)] * 5 + [((time(8, 0), time(11, 0)),), ()]
    working_periods_set(actor=center_admin, center=center, week=afternoon_only)
    make_service(center, "ho-tich", [CounterFactory(center=center)])

    with pytest.raises(Conflict):
        issue(center, now=at(9, 0))
    assert issue(center, now=at(13, 0)).number == 1001
    assert issue(center, now=at(9, 0, day=28)).number == 1001  # this center works Saturdays


# --- The stored rows ------------------------------------------------------------------------


def test_the_ticket_and_its_event_are_stored_as_the_orm_would_store_them(
    center, service, center_admin
):
    """The ticket and its first event go in through one precompiled statement on PostgreSQL:
    read back through the ORM, every field is what the returned instances hold."""
    user = staff("receptionist", center)
    ticket = services.ticket_issue(
        issuer=Issuer(source="staff", user=user),
        center=center,
        service_code=service.code,
        now=at(9, 0),
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(ticket, field.attname), field.name
    assert not ticket._state.adding
    (event,) = TicketEvent.objects.filter(ticket=ticket)
    assert (event.action, event.from_status, event.to_status) == ("issue", "", "waiting")
    assert (event.at, event.official_id, event.counter_id, event.note) == (
        ticket.issued_at,
        user.pk,
        None,
        "",
    )
    # A kiosk's ticket names no official.
    kiosk = services.ticket_issue(
        issuer=kiosk_of(center, center_admin),
        center=center,
        service_code=service.code,
        now=at(9, 1),
    )
    assert TicketEvent.objects.get(ticket=kiosk).official_id is None
    assert Ticket.objects.get(pk=kiosk.pk).number == ticket.number + 1
