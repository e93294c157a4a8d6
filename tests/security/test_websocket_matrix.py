"""Who may open which websocket: every route of ``motcua.realtime.routing`` opened by every
identity of the authorization matrix (tests/security/test_authorization_matrix.py), for an
object of center A and of center B, through the real ASGI application (its origin check and
its session and cookie middleware), against a declared matrix.

Deny by default: a websocket route the matrix does not declare fails the test.

"Allow": the server accepts the socket and keeps it open (it sends the screen's state, answers
a ping, or, for the rating tablet, waits silently). "Deny": it refuses or closes the socket
(4403 not allowed, 4404 unknown) without sending anything.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from motcua.organization.identity import DEVICE_COOKIE, device_cookie_value
from motcua.realtime.routing import websocket_urlpatterns
from tests.security.test_authorization_matrix import (
    DEVICES,
    EVERYONE,
    IDENTITIES,
    STAFF,
    TABLET,
)
from tests.security.world import Side, World, build_world
from tests.ws_client import CookieSocket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer", "own_cache", "private_media"),
]


@dataclass(frozen=True)
class WsAccess:
    """Who may open the socket for their own center's object (``own``) and for another
    center's (``other``)."""

    own: frozenset[str]
    other: frozenset[str]
    path: Callable[[Side], str]
    hello: str | None = None  # a text to send first (the ping route answers it)


NOBODY: frozenset[str] = frozenset()

WS_MATRIX: dict[str, WsAccess] = {
    # Monitoring: anyone.
    "ws/ping": WsAccess(EVERYONE, EVERYONE, lambda s: "/ws/ping", hello='{"type": "ping"}'),
    # The TV display shows what the hall's screen shows to everyone there: called numbers.
    "ws/display/<slug:center_code>/": WsAccess(
        EVERYONE, EVERYONE, lambda s: f"/ws/display/{s.center.code}/"
    ),
    # A ticket's page: whoever holds the ticket's unguessable token (the citizen's phone).
    "ws/ticket/<str:token>/": WsAccess(
        EVERYONE, EVERYONE, lambda s: f"/ws/ticket/{s.ticket.token}/"
    ),
    # The rating tablet of a counter: only a tablet paired to that counter.
    "ws/rating/<int:counter_id>/": WsAccess(
        frozenset({TABLET}), NOBODY, lambda s: f"/ws/rating/{s.counter.pk}/"
    ),
}


def cookie_for(world: World, identity: str) -> str:
    """Staff by their session, paired devices by their device cookie (as their browsers)."""
    if identity in STAFF:
        client = Client()
        client.force_login(world.users[identity])
        return f"sessionid={client.cookies['sessionid'].value}"
    if identity in DEVICES:
        return f"{DEVICE_COOKIE}={device_cookie_value(world.devices[identity])}"
    return ""


async def open_socket(path: str, cookie: str, hello: str | None) -> tuple[str, object]:
    """("allow" | "deny", what was seen)."""
    socket = CookieSocket(path, cookie)
    await socket.send_input({"type": "websocket.connect"})
    first = await socket.receive_output(5)
    if first["type"] != "websocket.accept":
        return "deny", first
    if hello is not None:
        await socket.send_input({"type": "websocket.receive", "text": hello})
    # (receive_output's timeout would cancel the application: ask first whether anything came)
    quiet = await socket.receive_nothing(0.5)
    message = None if quiet else await socket.receive_output(1)  # None: open, nothing to say
    if message is not None and message["type"] == "websocket.close":
        verdict: tuple[str, object] = ("deny", message.get("code"))
    else:
        verdict = ("allow", json.loads(message["text"]) if message else None)
    await socket.send_input({"type": "websocket.disconnect", "code": 1000})
    await socket.wait(1)
    return verdict


def test_every_websocket_route_is_declared():
    routes = {str(pattern.pattern) for pattern in websocket_urlpatterns}
    assert routes == set(WS_MATRIX)


def test_websockets_answer_whom_the_matrix_allows():
    world = build_world()
    cookies = {identity: cookie_for(world, identity) for identity in IDENTITIES}
    wrong: list[str] = []

    async def probe_all() -> None:
        for route, access in WS_MATRIX.items():
            for which, side, allowed in (
                ("own", world.a, access.own),
                ("other", world.b, access.other),
            ):
                for identity in IDENTITIES:
                    verdict, seen = await open_socket(
                        access.path(side), cookies[identity], access.hello
                    )
                    expected = "allow" if identity in allowed else "deny"
                    if verdict != expected:
                        wrong.append(f"{route} {which} {identity}: {verdict} ({seen})")

    asyncio.run(asyncio.wait_for(probe_all(), 300))
    assert not wrong, "\n".join(wrong)


def test_unknown_objects_are_closed_as_unknown():
    world = build_world()
    cookie = cookie_for(world, TABLET)

    async def body() -> list[tuple[str, object]]:
        return [
            await open_socket("/ws/display/khong-co/", "", None),
            await open_socket("/ws/ticket/khong-co-phieu-nay/", "", None),
            await open_socket("/ws/rating/999999/", cookie, None),
        ]

    display, ticket, rating = asyncio.run(asyncio.wait_for(body(), 60))
    assert display == ("deny", 4404)
    assert ticket == ("deny", 4404)
    assert rating == ("deny", 4403)
