"""Websockets of the queue: the TV display and the citizen's phone page.

``/ws/display/<center>/``: on connect ``{"kind": "state", ...}`` (:func:`selectors.display_state`),
then every message published to the center's display group (``{"kind": "call", ...}`` as built
by :func:`events.call_payload`), and a fresh ``state`` shortly after anything changes the queue.

``/ws/ticket/<token>/``: on connect ``{"kind": "state", ...}`` (:func:`selectors.ticket_public`),
then the events addressed to the ticket (its call, its status changes), each followed by a fresh
``state``; while the ticket waits, calls at its center re-send the state too (a second later, once
for all the calls of that second), so "people ahead" stays live. That refresh is computed once
per center and process for all its waiting phones (``selectors.waiting_states``).

Both close with code 4404 when the center (inactive included) or the ticket is unknown. Clients
may send ``{"type": "state"}`` to ask for the state again (the display does so every minute).
See docs/display.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from motcua.organization.selectors import center_list_public
from motcua.queueing import events, selectors
from motcua.queueing.models import Ticket
from motcua.queueing.workflow import Status

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN = 4404
# Many queue changes in a burst (50 tickets issued at once) cost one state query per screen.
DISPLAY_STATE_DELAY = 0.25
WAITING_STATE_DELAY = 1.0
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class _QueueConsumer(AsyncJsonWebsocketConsumer):
    """Group membership, a debounced state push, and a state on request."""

    _pending: asyncio.Task | None = None

    async def join(self, *groups: str) -> None:
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)  # left again by the base class on disconnect

    async def disconnect(self, code: int) -> None:
        if self._pending is not None:
            self._pending.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kw):
        # Anything but {"type": "state"} is ignored (never an error that closes the socket).
        try:
            content = json.loads(text_data) if text_data else None
        except ValueError:
            return
        if isinstance(content, dict) and content.get("type") == "state":
            await self.send_state()

    async def send_state(self, shared: bool = False) -> None:
        """Send this socket its state (``shared``: the center's state computed once for all
        its sockets). The display and ticket consumers below each implement it."""
        raise NotImplementedError

    def state_soon(self, delay: float, shared: bool = False) -> None:
        """Send the state after ``delay`` seconds, once for all the changes in between."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self._state_later(delay, shared))

    async def _state_later(self, delay: float, shared: bool = False) -> None:
        await asyncio.sleep(delay)
        try:
            await (self.send_state(shared=True) if shared else self.send_state())
        except Exception:  # the socket may have gone meanwhile
            logger.debug("state push failed", exc_info=True)


# --- The TV display ----------------------------------------------------------------------------


def _active_center(code: str):
    return center_list_public().filter(code=code).first()


def _display_state(code: str) -> dict[str, Any] | None:
    center = _active_center(code)
    return None if center is None else selectors.display_state(center)


class SharedState:
    """One computation per center and process for every screen that asks at about the same
    moment after a change (each waits a short delay first).

    A result is reused when it was computed after the latest change heard for the center and
    is younger than ``ttl``; a computation under way is awaited rather than repeated. A screen
    that connects, or asks, gets one computed for it (``fresh``)."""

    def __init__(self, compute, ttl: float) -> None:  # type: ignore[no-untyped-def]
        self.compute = compute
        self.ttl = ttl
        self.results: dict[str, tuple[float, Any]] = {}
        self.changed_at: dict[str, float] = {}
        self.pending: dict[str, asyncio.Future] = {}

    def changed(self, code: str) -> None:
        self.changed_at[code] = asyncio.get_running_loop().time()

    async def get(self, code: str, *, fresh: bool = False) -> Any:
        loop = asyncio.get_running_loop()
        if fresh:
            return await database_sync_to_async(self.compute)(code)
        cached = self.results.get(code)
        if (
            cached is not None
            and cached[0] > self.changed_at.get(code, 0.0)
            and loop.time() - cached[0] < self.ttl
        ):
            return cached[1]
        pending = self.pending.get(code)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future = loop.create_future()
        self.pending[code] = future
        started = loop.time()
        try:
            result = await database_sync_to_async(self.compute)(code)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        else:
            # Stamped with when it started: a change heard meanwhile makes it stale at once.
            self.results[code] = (started, result)
            future.set_result(result)
            return result
        finally:
            self.pending.pop(code, None)


# The displays of a center (DISPLAY_STATE_DELAY after a change).
DISPLAY_STATE_TTL = 0.2
display_states = SharedState(_display_state, DISPLAY_STATE_TTL)


def display_changed(code: str) -> None:
    display_states.changed(code)


async def shared_display_state(code: str, *, fresh: bool = False) -> dict[str, Any] | None:
    return await display_states.get(code, fresh=fresh)


def _waiting_states(code: str) -> dict[str, dict[str, Any]]:
    center = _active_center(code)
    return {} if center is None else selectors.waiting_states(center)


# The phones waiting at a center (WAITING_STATE_DELAY after a call there): every waiting
# ticket's position and estimate, by token, in two queries for the whole center.
WAITING_STATES_TTL = 0.5
waiting_states = SharedState(_waiting_states, WAITING_STATES_TTL)


class DisplayConsumer(_QueueConsumer):
    async def connect(self) -> None:
        self.center_code = str(self.scope["url_route"]["kwargs"]["center_code"])
        await self.accept()
        state = await shared_display_state(self.center_code, fresh=True)
        if state is None:
            await self.close(code=CLOSE_UNKNOWN)
            return
        # The display group carries the calls; the queue group every change of waiting counts.
        await self.join(
            events.display_group(self.center_code), events.queue_group(self.center_code)
        )
        await self.send_json({"kind": "state", **state})

    async def send_state(self, shared: bool = False) -> None:
        state = await shared_display_state(self.center_code)
        if state is None:  # the center was deactivated
            await self.close(code=CLOSE_UNKNOWN)
            return
        await self.send_json({"kind": "state", **state})

    async def queue_event(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        kind = payload.get("kind")
        if kind in ("queue", "refresh"):
            display_changed(self.center_code)
            self.state_soon(DISPLAY_STATE_DELAY)
        else:
            await self.send_json(payload)


# --- The citizen's phone ---------------------------------------------------------------------


def _ticket(token: str) -> Ticket | None:
    return Ticket.objects.select_related("center", "service", "counter").filter(token=token).first()


def _ticket_state(token: str) -> dict[str, Any] | None:
    ticket = _ticket(token)
    return None if ticket is None else selectors.ticket_public(ticket)


class TicketConsumer(_QueueConsumer):
    async def connect(self) -> None:
        self.token = str(self.scope["url_route"]["kwargs"]["token"])
        self.status = ""
        self.forwarded: list[str] = []
        await self.accept()
        ticket = (
            await database_sync_to_async(_ticket)(self.token) if _TOKEN.match(self.token) else None
        )
        if ticket is None:
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.ticket_id = ticket.pk
        self.center_code = ticket.center.code
        await self.join(events.ticket_group(self.token), events.display_group(ticket.center.code))
        await self.send_state()

    async def send_state(self, shared: bool = False) -> None:
        state = None
        if shared:
            # The state computed for all the waiting phones of the center (this one included
            # while it still waits).
            state = (await waiting_states.get(self.center_code)).get(self.token)
        if state is None:
            state = await database_sync_to_async(_ticket_state)(self.token)
        if state is None:
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.status = state["status"]
        await self.send_json({"kind": "state", **state})

    async def queue_event(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        waiting_states.changed(self.center_code)
        if payload.get("ticket_id") == self.ticket_id:
            # Its own call reaches it twice (the ticket's group and the center's display group).
            key = json.dumps(payload, sort_keys=True)
            if key in self.forwarded:
                return
            self.forwarded = [*self.forwarded[-9:], key]
            if self._pending is not None:
                self._pending.cancel()
            await self.send_json(payload)
            await self.send_state()
        elif self.status == Status.WAITING:
            # Someone else was called or left the line: fewer people ahead. Once a second at
            # most, and computed once for all the center's phones in this process: at a busy
            # center every call would otherwise cost queries per phone.
            self.state_soon(WAITING_STATE_DELAY, shared=True)


__all__ = ["CLOSE_UNKNOWN", "DisplayConsumer", "TicketConsumer"]
