"""The queue's websockets through the real ASGI application: the TV display and the phone page.

The services run in a worker thread (``database_sync_to_async``) inside the test's event loop, so
their after-commit pushes reach the consumers through the configured channel layer (in memory, or
Redis when ``REDIS_URL`` is set, with a prefix of its own per test).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async

from motcua.conf.asgi import application
from motcua.queueing import services
from motcua.queueing.consumers import CLOSE_UNKNOWN
from motcua.queueing.models import QueuePolicy
from tests.queueing.conftest import issue, later

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]


@pytest.fixture(autouse=True)
def clock(frozen):
    """Displays show today's calls: the clock stands on the tickets' day (a Wednesday, 09:00)."""
    return frozen


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 20))


class Socket(ApplicationCommunicator):
    """A websocket client of the ASGI application. (``channels.testing.WebsocketCommunicator``
    does the same, but importing ``channels.testing`` needs daphne, which motcua does not use.)"""

    def __init__(self, path: str, origin: str = "http://testserver") -> None:
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": path,
                "query_string": b"",
                "headers": [(b"origin", origin.encode()), (b"host", b"testserver")],
                "subprotocols": [],
            },
        )

    async def connect(self, timeout: float = 2) -> bool:
        """True when the server accepted the connection."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        return response["type"] == "websocket.accept"

    async def send_text(self, text: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text})

    async def receive_json(self, timeout: float = 1) -> dict:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def socket(path: str) -> Socket:
    return Socket(path)


async def receive(communicator: Socket, kind: str, timeout: float = 2) -> dict:
    """The next message of ``kind`` (skipping others, e.g. a state pushed in between)."""
    deadline = time.monotonic() + timeout
    while True:
        message = await communicator.receive_json(max(0.01, deadline - time.monotonic()))
        if message.get("kind") == kind:
            return message


async def drain(communicator: Socket, quiet: float = 0.6) -> list[dict]:
    """Everything sent until the socket has been quiet for ``quiet`` seconds."""
    messages = []
    while not await communicator.receive_nothing(quiet):
        messages.append(await communicator.receive_json())
    return messages


sync = database_sync_to_async


# --- The display ---------------------------------------------------------------------------


def test_display_sends_the_state_on_connect(center, service, counter, official):
    called = issue(center)
    waiting = issue(center)
    services.ticket_call_next(actor=official, counter=counter, now=later(1))
    QueuePolicy.objects.filter(center=center).update(notice="Nghỉ trưa từ 11:30 đến 13:30")

    async def body():
        display = socket(f"/ws/display/{center.code}/")
        assert await display.connect()
        state = await display.receive_json()
        await display.disconnect()
        return state

    state = run(body())
    assert state["kind"] == "state"
    assert state["center"] == center.code
    assert [(c["display"], c["counter"]) for c in state["calls"]] == [(called.display, 1)]
    assert state["recent"][0]["display"] == called.display
    assert state["waiting"] == {"Hộ tịch": 1}
    assert state["notice"] == "Nghỉ trưa từ 11:30 đến 13:30"
    assert waiting.display not in json.dumps(state["calls"])


def test_a_call_reaches_the_display_within_a_second(center, service, counter, official):
    ticket = issue(center)

    async def body():
        display = socket(f"/ws/display/{center.code}/")
        assert await display.connect()
        await receive(display, "state")
        started = time.monotonic()
        await sync(services.ticket_call_next)(actor=official, counter=counter)
        call = await receive(display, "call", timeout=1)
        elapsed = time.monotonic() - started
        # Then a fresh state follows (the waiting counts changed).
        state = await receive(display, "state", timeout=2)
        await display.disconnect()
        return call, state, elapsed

    call, state, elapsed = run(body())
    assert elapsed < 1
    assert call["display"] == ticket.display == "1001"
    assert call["counter"] == 1
    assert call["audio_url"] == f"/voice/call/{center.code}/1001/1/vi.wav"
    assert call["sentence"] == "Mời công dân có số thứ tự 1001 đến quầy số 1"
    assert state["calls"][0]["display"] == "1001"
    assert state["waiting"] == {}


def test_display_gets_a_new_state_when_tickets_are_issued(center, service):
    async def body():
        display = socket(f"/ws/display/{center.code}/")
        assert await display.connect()
        first = await receive(display, "state")
        # A burst of issues is coalesced: fewer state pushes than issues (one when fast enough).
        for _ in range(5):
            await sync(issue)(center, now=None)
        messages = await drain(display)
        await display.disconnect()
        return first, messages

    first, messages = run(body())
    assert first["waiting"] == {}
    assert {m["kind"] for m in messages} == {"state"}
    assert 1 <= len(messages) < 5
    assert messages[-1]["waiting"] == {"Hộ tịch": 5}


def test_recall_and_finish_reach_the_display(center, service, counter, official):
    ticket = issue(center)
    services.ticket_call_next(actor=official, counter=counter)

    async def body():
        display = socket(f"/ws/display/{center.code}/")
        assert await display.connect()
        await receive(display, "state")
        await sync(services.ticket_act)(actor=official, counter=counter, action="recall")
        recall = await receive(display, "call")
        await sync(services.ticket_act)(actor=official, counter=counter, action="start")
        await sync(services.ticket_act)(
            actor=official, counter=counter, action="finish", outcome="advice"
        )
        messages = await drain(display)
        await display.disconnect()
        return recall, messages

    recall, messages = run(body())
    assert (recall["display"], recall["recall"]) == (ticket.display, 1)
    # "refresh" and "queue" are never forwarded: the display gets a state instead.
    assert {m["kind"] for m in messages} == {"state"}
    assert messages[-1]["calls"] == []


def test_display_answers_a_state_request_and_ignores_garbage(center, service):
    async def body():
        display = socket(f"/ws/display/{center.code}/")
        assert await display.connect()
        await receive(display, "state")
        await display.send_text("not json")
        await display.send_text('{"type": "something else"}')
        await display.send_text('{"type": "state"}')
        again = await receive(display, "state")
        await display.disconnect()
        return again

    assert run(body())["center"] == center.code


@pytest.mark.parametrize("code", ["nowhere", "inactive"])
def test_unknown_or_inactive_center_is_closed_with_4404(center, other_center, code):
    other_center.is_active = False
    other_center.save()
    path = f"/ws/display/{other_center.code if code == 'inactive' else code}/"

    async def body():
        display = socket(path)
        connected = await display.connect()
        closed = await display.receive_output(2)
        await display.disconnect()
        return connected, closed

    connected, closed = run(body())
    assert connected  # accepted first, so that the browser sees the code
    assert closed == {"type": "websocket.close", "code": CLOSE_UNKNOWN}


def test_display_from_another_origin_is_refused(center):
    async def body():
        display = Socket(f"/ws/display/{center.code}/", origin="http://evil.example")
        return await display.connect()

    assert run(body()) is False


# --- The phone -----------------------------------------------------------------------------


def test_ticket_page_socket_follows_its_ticket(center, service, counter, official):
    first = issue(center)
    mine = issue(center)

    async def body():
        phone = socket(f"/ws/ticket/{mine.token}/")
        assert await phone.connect()
        initial = await receive(phone, "state")
        # Somebody else is called: one fewer ahead.
        await sync(services.ticket_call_next)(actor=official, counter=counter)
        after_other = await receive(phone, "state")
        others = await drain(phone)
        await sync(services.ticket_act)(actor=official, counter=counter, action="start")
        await sync(services.ticket_act)(
            actor=official, counter=counter, action="finish", outcome="advice"
        )
        await drain(phone)
        # Now it is this ticket's turn.
        started = time.monotonic()
        await sync(services.ticket_call_next)(actor=official, counter=counter)
        call = await receive(phone, "call", timeout=1)
        elapsed = time.monotonic() - started
        called = await receive(phone, "state")
        rest = await drain(phone)
        await phone.disconnect()
        return initial, after_other, others, call, elapsed, called, rest

    initial, after_other, others, call, elapsed, called, rest = run(body())
    assert initial["kind"] == "state"
    assert (initial["display"], initial["status"]) == (mine.display, "waiting")
    assert (initial["position"], initial["ahead"]) == (2, 1)
    assert (after_other["position"], after_other["ahead"]) == (1, 0)
    # Another ticket's call is not forwarded to this phone, only its effect.
    assert all(m["kind"] == "state" for m in others)
    assert first.display not in json.dumps(others)
    assert elapsed < 1
    assert (call["display"], call["counter"]) == (mine.display, 1)
    assert (called["status"], called["counter"], called["ahead"]) == ("called", 1, 0)
    # Its own call comes through two groups but is forwarded once.
    assert [m for m in rest if m["kind"] == "call"] == []


def test_ticket_socket_has_no_personal_data(center, service, counter, official):
    QueuePolicy.objects.update_or_create(center=center, defaults={"remote_enabled": True})
    ticket = issue(center, issuer=services.Issuer(source="remote"), phone="0912345678")

    async def body():
        phone = socket(f"/ws/ticket/{ticket.token}/")
        display = socket(f"/ws/display/{center.code}/")
        assert await phone.connect()
        assert await display.connect()
        await sync(services.ticket_call_next)(actor=official, counter=counter)
        messages = await drain(phone) + await drain(display)
        await phone.disconnect()
        await display.disconnect()
        return messages

    messages = run(body())
    assert any(m["kind"] == "call" for m in messages)
    text = json.dumps(messages, ensure_ascii=False)
    assert "0912345678" not in text
    assert ticket.token not in text
    assert "phone" not in text


@pytest.mark.parametrize("token", ["no-such-token", "bad%20token!"])
def test_unknown_ticket_is_closed_with_4404(center, token):
    async def body():
        phone = socket(f"/ws/ticket/{token}/")
        await phone.connect()
        closed = await phone.receive_output(2)
        await phone.disconnect()
        return closed

    assert run(body()) == {"type": "websocket.close", "code": CLOSE_UNKNOWN}


def test_a_finished_ticket_stops_following_the_center(center, service, counter, official):
    mine = issue(center)
    issue(center)
    services.ticket_call_next(actor=official, counter=counter)
    services.ticket_act(actor=official, counter=counter, action="start")
    services.ticket_act(actor=official, counter=counter, action="finish", outcome="advice")

    async def body():
        phone = socket(f"/ws/ticket/{mine.token}/")
        assert await phone.connect()
        state = await receive(phone, "state")
        await sync(services.ticket_call_next)(actor=official, counter=counter)
        rest = await drain(phone)
        await phone.disconnect()
        return state, rest

    state, rest = run(body())
    assert state["status"] == "finished"
    assert rest == []
