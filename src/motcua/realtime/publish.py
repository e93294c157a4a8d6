"""Publish to channel groups only after the surrounding transaction commits.

A screen must never show a state that was rolled back, so every push goes through here.

Inside the ASGI server, a request's thread does not wait for Redis: the message is handed to
the server's event loop, where one sender task per process sends the messages in the order they
were published. A message identical to one still waiting to be sent is not queued twice (a
"the queue changed" nudge published by twenty tickets in the same instant is sent once; the
screens read the state when it arrives, after all twenty). A nudge published with
``at_most_every`` goes out at once, and then at most once in that many seconds per group: the
ones in between become one sent at the end of the interval. Outside the server (the task worker,
management commands, tests without a server) the message is sent before ``publish_now``
returns. A message that cannot be sent is logged; screens catch up by polling
(docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import deque
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Messages waiting for the sender task; beyond this (Redis unreachable for long), the oldest go.
MAX_WAITING = 10_000


class _Sender:
    """The per-process queue of messages and the task on the server's loop that sends them."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: deque[tuple[str, str, dict[str, Any]]] = deque()
        self.keys: set[str] = set()
        self.last_sent: dict[str, float] = {}  # throttled nudges: when each last went out
        self.trailing: set[str] = set()  # throttled nudges held until their interval ends
        self.task: asyncio.Task | None = None
        self.wake: asyncio.Event | None = None
        self.lock = threading.Lock()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server's loop (each request; only the first does anything): start the
        sender task there."""
        if self.loop is loop:
            return
        with self.lock:
            if self.loop is loop:
                return
            self.loop = loop
            self.wake = asyncio.Event()
            self.waiting.clear()
            self.keys.clear()
            self.last_sent.clear()
            self.trailing.clear()
        # Kept: the loop holds only a weak reference to its tasks.
        self.task = loop.create_task(self._run())

    def offer(self, group: str, message: dict[str, Any], every: float | None = None) -> bool:
        """Hand a message to the sender; False when there is no server loop to hand it to (or
        when called on the loop itself, where nobody must block)."""
        loop = self.loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return False
        try:
            if asyncio.get_running_loop() is loop:
                return False
        except RuntimeError:
            pass
        key = group + "\n" + json.dumps(message, sort_keys=True, default=str)
        try:
            loop.call_soon_threadsafe(self._enqueue, key, group, message, every)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    def _enqueue(
        self, key: str, group: str, message: dict[str, Any], every: float | None = None
    ) -> None:
        loop, wake = self.loop, self.wake
        if loop is None or wake is None:
            return
        if every:
            now = loop.time()
            last = self.last_sent.get(key)
            if last is not None and now - last < every:
                if key not in self.trailing:
                    self.trailing.add(key)
                    loop.call_later(every - (now - last), self._release, key, group, message)
                return
            if len(self.last_sent) > 50_000:
                self.last_sent.clear()
            self.last_sent[key] = now
        if key in self.keys:
            return
        if len(self.waiting) >= MAX_WAITING:
            old_key, old_group, _old = self.waiting.popleft()
            self.keys.discard(old_key)
            logger.warning("publish queue full: dropped a message to %s", old_group)
        self.waiting.append((key, group, message))
        self.keys.add(key)
        wake.set()

    def _release(self, key: str, group: str, message: dict[str, Any]) -> None:
        """The end of a throttled nudge's interval: send the one held back."""
        self.trailing.discard(key)
        if self.loop is not None:
            self.last_sent[key] = self.loop.time()
        self._enqueue(key, group, message)

    async def _run(self) -> None:
        wake = self.wake
        if wake is None:
            return
        while True:
            await wake.wait()
            wake.clear()
            layer = get_channel_layer()
            while self.waiting:
                key, group, message = self.waiting.popleft()
                self.keys.discard(key)
                if layer is None:
                    continue
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("could not publish to channel group %s", group)


_sender = _Sender()


def attach_to_running_loop() -> None:
    """Route this process's publishes through the running loop (called by the ASGI app)."""
    _sender.attach(asyncio.get_running_loop())


def publish_now(group: str, message: dict[str, Any], at_most_every: float | None = None) -> None:
    if _sender.offer(group, message, at_most_every):
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # A push that cannot be delivered must not undo the committed change; screens
        # catch up by polling (see docs/architecture.md).
        logger.exception("could not publish to channel group %s", group)


def publish_on_commit(
    group: str, message: dict[str, Any], at_most_every: float | None = None
) -> None:
    """Publish after commit. ``at_most_every``: for a nudge whose receivers read the state
    afresh (counter screens' "the queue changed"), the seconds between two sends to a group at
    most, inside the server (see the module's docstring)."""
    transaction.on_commit(lambda: publish_now(group, message, at_most_every))
