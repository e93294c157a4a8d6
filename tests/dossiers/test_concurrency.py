"""Dossier codes and form numbers under real concurrency, on PostgreSQL.

Fifty receptionists accept a dossier at the same instant through the JSON API of a real ASGI
server (each thread its own HTTP connection, released together at a barrier; the server runs
each request in its own thread with its own database connection), and two receptionists decide
on the same online dossier at once through the service.

Skipped on SQLite: it lets one writer in at a time (``transaction_mode`` IMMEDIATE takes the
lock at BEGIN), so there is nothing concurrent to test there; the row locks and the unique
sequence rows that these tests rely on are PostgreSQL's.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierEvent, DossierSequence, FormRecord
from motcua.dossiers.selectors import checklist_for
from motcua.dossiers.workflow import Action, Status
from motcua.errors import Conflict
from motcua.notifications.models import Message
from motcua.organization.selectors import center_now
from tests.dossiers.conftest import APPLICANT, pdf_bytes, upload
from tests.factories import PASSWORD, staff
from tests.queueing.test_concurrency import Api, together

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
THREADS = 50

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not POSTGRES,
        reason="concurrency needs PostgreSQL (run with DATABASE_URL): SQLite admits one writer "
        "at a time, so simultaneous acceptances cannot happen there",
    ),
]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def token_over_http(base_url: str, username: str) -> str:
    status, body = Api(base_url).post("auth/token", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def acceptance(center, procedure, i: int) -> dict:
    return {
        "center": center.code,
        "procedure": procedure.code,
        "channel": "direct",
        "applicant": {**APPLICANT, "name": f"Nguyễn Văn Khách {i:02d}", "email": ""},
        "documents": [
            {"required_document": doc.pk, "received": True}
            for doc in checklist_for(procedure.current_version)
        ],
        "decision": "accept",
    }


def accept_all(base_url: str, tokens: list[str], bodies: list[dict]) -> tuple[list, float]:
    def accept(i: int):
        client = Api(base_url, bearer(tokens[i % len(tokens)]))
        try:
            return client.post("dossiers", bodies[i])
        finally:
            client.close()

    return together(len(bodies), accept)


def test_fifty_simultaneous_acceptances_get_fifty_consecutive_codes(
    live_server_url, center, procedure
):
    tokens = [
        token_over_http(live_server_url, staff("receptionist", center, username=f"tn{n}").username)
        for n in range(5)
    ]
    bodies = [acceptance(center, procedure, i) for i in range(THREADS)]

    results, seconds = accept_all(live_server_url, tokens, bodies)
    print(f"\nTIMING dossier-accept backend=postgresql wall={seconds:.2f}s requests={THREADS}")

    errors = [r for r in results if isinstance(r, Exception) or r[0] != 201]
    assert not errors, errors[:5]
    day = center_now(center=center).date()
    prefix = f"{center.unit_code}-{day:%y%m%d}-"
    codes = sorted(body["code"] for _status, body in results)
    assert codes == [f"{prefix}{n:04d}" for n in range(1, THREADS + 1)]
    assert all(body["status"] == Status.ACCEPTED and body["form"] == "01" for _s, body in results)
    assert all(body["receipt_url"] and body["due_at"] for _s, body in results)

    assert Dossier.objects.count() == THREADS
    assert sorted(Dossier.objects.values_list("code", flat=True)) == codes
    assert DossierSequence.objects.get(center=center, day=day).last_number == THREADS
    # Form 01 numbers of the year: 1..50, each once.
    forms = FormRecord.objects.filter(form="01", year=day.year)
    assert sorted(forms.values_list("number", flat=True)) == list(range(1, THREADS + 1))
    assert forms.values("dossier").distinct().count() == THREADS
    assert DossierEvent.objects.filter(action=Action.ACCEPT).count() == THREADS
    # One SMS per dossier (no e-mail given), none lost or doubled.
    assert Message.objects.filter(kind="dossier_received", channel="sms").count() == THREADS


def test_simultaneous_acceptances_at_two_centers_count_separately(
    live_server_url, center, other_center, procedure
):
    from motcua.catalog.services import center_procedure_set

    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    here = token_over_http(live_server_url, staff("receptionist", center, username="a").username)
    there = token_over_http(
        live_server_url, staff("receptionist", other_center, username="b").username
    )
    count = 30
    bodies = [
        acceptance(center if i % 2 == 0 else other_center, procedure, i) for i in range(count)
    ]

    def accept(i: int):
        client = Api(live_server_url, bearer(here if i % 2 == 0 else there))
        try:
            return client.post("dossiers", bodies[i])
        finally:
            client.close()

    results, _seconds = together(count, accept)

    assert all(not isinstance(r, Exception) and r[0] == 201 for r in results), results[:3]
    for place in (center, other_center):
        codes = sorted(b["code"] for _s, b in results if b["code"].startswith(place.unit_code))
        assert [code[-4:] for code in codes] == [f"{n:04d}" for n in range(1, count // 2 + 1)]
        numbers = FormRecord.objects.filter(dossier__center=place).values_list("number", flat=True)
        assert sorted(numbers) == list(range(1, count // 2 + 1))


# --- Two receptionists, one online dossier ----------------------------------------------------


def in_threads(*works: Callable[[], object]) -> list:
    """Run each callable in its own thread (each with its own database connection)."""
    results: list = [None] * len(works)

    def run(i: int) -> None:
        try:
            results[i] = works[i]()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def both_reach_the_lock(monkeypatch) -> None:
    """Both deciders arrive at the row lock together; the one that gets it holds it a moment,
    so the other really asks while it is held (without the lock both would decide)."""
    barrier = threading.Barrier(2, timeout=10)
    original = services._locked

    def locked(dossier):
        barrier.wait()
        row = original(dossier)
        time.sleep(0.3)
        return row

    monkeypatch.setattr(services, "_locked", locked)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("accept", "accept"),
        ("accept", "refuse"),
        # Accepting and refusing are allowed from "supplement requested": only the comparison
        # with the status the officer saw stops the second decision here.
        ("supplement", "accept"),
        ("supplement", "refuse"),
    ],
)
def test_two_receptionists_deciding_at_once_one_wins(center, procedure, monkeypatch, first, second):
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[
            services.Upload(upload(f"{doc.pk}.pdf", pdf_bytes()), doc.pk)
            for doc in checklist_for(procedure.current_version)
        ],
    )
    lan, hung = staff("receptionist", center), staff("receptionist", center)
    both_reach_the_lock(monkeypatch)

    def decide(actor, decision):
        return lambda: services.dossier_decide(
            actor=actor,
            dossier=dossier,
            decision=services.Decision(decision, missing=["Bản đồ"], reasons="Sai thẩm quyền"),
        )

    results = in_threads(decide(lan, first), decide(hung, second))

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    # The loser read the dossier as registered; it has changed under the lock.
    assert isinstance(lost[0], Conflict) and lost[0].code == "dossier_changed"
    winner, form = won[0]
    dossier.refresh_from_db()
    assert dossier.status == winner.status
    assert FormRecord.objects.filter(dossier=dossier).count() == 1
    assert form.number == 1
    decisions = DossierEvent.objects.filter(dossier=dossier).exclude(action=Action.REGISTER)
    assert decisions.count() == 1
    kinds = Tally(Message.objects.values_list("kind", flat=True))
    assert kinds["dossier_registered"] == 2  # SMS and e-mail
    assert sum(kinds.values()) == 4  # and the winner's two


# --- Two officials, one dossier in the internal process ----------------------------------------


def in_process(center, procedure, receptionist) -> Dossier:
    """Accepted, then forwarded by the counter: at the specialist's step (step 2)."""
    from motcua.dossiers import processing

    dossier, _form = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        decision=services.Decision("accept"),
    )
    return processing.dossier_act(actor=receptionist, dossier=dossier, action=Action.FORWARD)


@pytest.fixture
def officials(live_server_url, center, receptionist):
    """The specialist the step is assigned to, and a leader (who may act on any step)."""
    specialist = staff("specialist", center, username="chuyenvien")
    leader = staff("leader", center, username="lanhdao")
    return {
        "specialist": (specialist, token_over_http(live_server_url, specialist.username)),
        "leader": (leader, token_over_http(live_server_url, leader.username)),
    }


def act_together(base_url: str, code: str, moves: list[tuple[str, str, dict]]) -> list:
    """Each (token, action, body) as its own HTTP request, released at the same instant."""

    def run(i: int):
        token, action, body = moves[i]
        client = Api(base_url, bearer(token))
        try:
            return client.post(f"dossiers/{code}/actions/{action}", body)
        finally:
            client.close()

    results, _seconds = together(len(moves), run)
    return results


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("specialist", "forward", {}), ("leader", "forward", {})),
        (("specialist", "forward", {}), ("leader", "send_back", {"reason": "Sai phòng xử lý."})),
        (("specialist", "request_supplement", {"items": ["Bản đồ"]}), ("leader", "forward", {})),
        (("specialist", "request_payment", {"amount_vnd": 5000}), ("leader", "assign", {})),
    ],
)
def test_two_officials_acting_with_the_same_version_one_wins(
    live_server_url, center, procedure, receptionist, officials, first, second
):
    dossier = in_process(center, procedure, receptionist)
    seen = dossier.version
    moves = [
        (officials[who][1], action, {**body, "version": seen})
        for who, action, body in (first, second)
    ]
    results = act_together(live_server_url, dossier.code, moves)

    assert not any(isinstance(r, Exception) for r in results), results
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409], results
    (_ok, won), (_conflict, lost) = sorted(results, key=lambda r: r[0])
    assert lost["code"] == "dossier_changed"
    assert "người khác" in lost["message"]
    assert won["version"] == seen + 1
    dossier.refresh_from_db()
    assert dossier.version == seen + 1
    # The counter's forward and the winner's move, nothing else; the dossier is where the
    # winner left it.
    assert DossierEvent.objects.filter(dossier=dossier).exclude(action=Action.ACCEPT).count() == 2
    assert dossier.status == won["status"]
    assert (dossier.current_step.order if dossier.current_step else None) == (
        won["step"]["order"] if won["step"] else None
    )


@pytest.mark.parametrize("round_", range(4))
def test_two_forwards_of_one_step_without_version_never_advance_two_steps(
    live_server_url, center, procedure, receptionist, officials, round_
):
    """Without ``version`` the second forward finds the step moved on: refused, because its
    official may not act on the new step (the specialist at the leader's step: not_your_step)
    or because the leader's step is left only by approving (not_approved)."""
    from motcua.dossiers.models import DossierStep

    dossier = in_process(center, procedure, receptionist)
    order = [("specialist", "forward"), ("leader", "forward")]
    if round_ % 2:
        order.reverse()
    results = act_together(
        live_server_url,
        dossier.code,
        [(officials[who][1], action, {}) for who, action in order],
    )

    assert not any(isinstance(r, Exception) for r in results), results
    won = [body for status, body in results if status == 200]
    lost = [(status, body) for status, body in results if status != 200]
    assert len(won) == 1 and len(lost) == 1, results
    status, body = lost[0]
    assert (status, body["code"]) in {(403, "not_your_step"), (409, "not_approved")}, results
    dossier.refresh_from_db()
    assert dossier.current_step is not None and dossier.current_step.order == 3
    assert won[0]["step"]["order"] == 3
    # Exactly one step finished besides the counter's, and one forward event for step 2.
    finished = DossierStep.objects.filter(dossier=dossier, finished_at__isnull=False)
    assert sorted(finished.values_list("order", flat=True)) == [1, 2]
    assert DossierEvent.objects.filter(dossier=dossier, action=Action.FORWARD).count() == 2
