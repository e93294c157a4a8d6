"""The rating tablet's websocket ``/ws/rating/<counter>/`` through the real ASGI application.

Only the counter's paired rating tablet (its signed device cookie, sent with the handshake) may
listen; anyone else is closed with 4403. The queue services run in a worker thread
(``database_sync_to_async``) inside the test's event loop and commit there, so their after-commit
push reaches the consumer through the configured channel layer (in memory, or Redis when
``REDIS_URL`` is set, with a prefix of its own per test).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.core import signing

from motcua.feedback.consumers import CLOSE_FORBIDDEN
from motcua.organization import identity
from motcua.organization.models import DeviceToken
from motcua.organization.services import device_token_create, device_token_revoke
from motcua.queueing import services as queue
from tests.factories import CounterFactory
from tests.feedback.conftest import serve, working_now
from tests.ws_client import CookieSocket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]

sync = database_sync_to_async


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 20))


class Socket(CookieSocket):
    """The shared client, with the handshake and the JSON reading these tests use."""

    async def handshake(self, timeout: float = 3) -> tuple[bool, int | None]:
        """(accepted, close code if it was then closed at once)."""
        await self.send_input({"type": "websocket.connect"})
        first = await self.receive_output(timeout)
        if first["type"] != "websocket.accept":
            return False, first.get("code")
        if await self.receive_nothing(0.3):
            return True, None
        second = await self.receive_output(timeout)
        assert second["type"] == "websocket.close", second
        return True, second.get("code")

    async def receive_json(self, timeout: float = 2) -> dict:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def device_cookie(raw: str) -> str:
    return f"{identity.DEVICE_COOKIE}={identity.device_cookie_value(raw)}"


def finish(official, counter):
    return queue.ticket_act(
        actor=official, counter=counter, action="finish", outcome="advice", now=working_now()
    )


def test_the_paired_tablet_hears_each_finished_ticket(center, counter, service, official, tablet):
    _device, raw = tablet
    ticket = serve(center, counter, official, finish=False)

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", device_cookie(raw))
        assert await socket.handshake() == (True, None)
        await sync(finish)(official, counter)
        message = await socket.receive_json()
        # Nothing else: calls, starts and waiting-list changes are not the tablet's business.
        quiet = await socket.receive_nothing(0.5)
        await socket.disconnect()
        return message, quiet

    message, quiet = run(body())
    assert message == {"kind": "finished", "ticket_id": ticket.pk, "display": ticket.display}
    assert quiet


def test_only_finishes_at_its_own_counter_reach_the_tablet(
    center, counter, service, official, tablet
):
    _device, raw = tablet
    other = CounterFactory(center=center, number=4, name="Quầy 4")
    service.counters.add(other)
    serve(center, other, official, finish=False)

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", device_cookie(raw))
        assert await socket.handshake() == (True, None)
        await sync(finish)(official, other)
        quiet = await socket.receive_nothing(0.8)
        await socket.disconnect()
        return quiet

    assert run(body())


def test_a_finish_rolled_back_is_not_announced(center, counter, service, official, tablet):
    """The push goes out after the commit: a finish that does not commit says nothing."""
    from django.db import transaction

    _device, raw = tablet
    serve(center, counter, official, finish=False)

    class Undo(Exception):
        pass

    def finish_then_fail():
        try:
            with transaction.atomic():
                finish(official, counter)
                raise Undo
        except Undo:
            pass

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", device_cookie(raw))
        assert await socket.handshake() == (True, None)
        await sync(finish_then_fail)()
        quiet = await socket.receive_nothing(0.8)
        await socket.disconnect()
        return quiet

    assert run(body())


@pytest.mark.parametrize("who", ["nobody", "bad-signature", "other-counter", "kiosk", "revoked"])
def test_anyone_but_the_counters_tablet_is_closed_with_4403(
    who, center, counter, center_admin, tablet
):
    device, raw = tablet
    if who == "nobody":
        cookie = ""
    elif who == "bad-signature":
        cookie = f"{identity.DEVICE_COOKIE}={signing.dumps(raw, salt='another salt')}"
    elif who == "other-counter":
        other = CounterFactory(center=center, number=4, name="Quầy 4")
        _other, other_raw = device_token_create(
            actor=center_admin,
            center=center,
            purpose=DeviceToken.Purpose.RATING_TABLET,
            name="Quầy 4",
            counter=other,
        )
        cookie = device_cookie(other_raw)
    elif who == "kiosk":
        _kiosk, kiosk_raw = device_token_create(
            actor=center_admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt"
        )
        cookie = device_cookie(kiosk_raw)
    else:
        device_token_revoke(actor=center_admin, device=device)
        cookie = device_cookie(raw)

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", cookie)
        result = await socket.handshake()
        await socket.wait(1)
        return result

    assert run(body()) == (True, CLOSE_FORBIDDEN)


def test_a_refused_tablet_hears_nothing(center, counter, service, official, center_admin):
    """Closed means closed: a kiosk that tried still gets no finished tickets."""
    _kiosk, kiosk_raw = device_token_create(
        actor=center_admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt"
    )
    serve(center, counter, official, finish=False)

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", device_cookie(kiosk_raw))
        assert await socket.handshake() == (True, CLOSE_FORBIDDEN)
        await sync(finish)(official, counter)
        return await socket.receive_nothing(0.8)

    assert run(body())


def test_a_page_of_another_site_cannot_open_the_socket(counter, tablet):
    _device, raw = tablet

    async def body():
        socket = Socket(f"/ws/rating/{counter.pk}/", device_cookie(raw), "https://evil.example")
        result = await socket.handshake()
        await socket.wait(1)
        return result

    accepted, _code = run(body())
    assert not accepted
