"""The rating tablet's websocket: ``/ws/rating/<counter>/``.

Only the counter's paired rating tablet may connect (its signed device cookie, sent with the
websocket handshake); anyone else is closed with 4403. It then receives
``{"kind": "finished", "ticket_id", "display"}`` each time the counter finishes a ticket.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core import signing

from motcua.organization import identity
from motcua.organization.models import DeviceToken
from motcua.organization.selectors import device_token_authenticate
from motcua.queueing.events import counter_group

CLOSE_FORBIDDEN = 4403


def _tablet_allowed(signed: str, counter_id: int) -> bool:
    try:
        raw = signing.loads(
            signed, salt=identity.DEVICE_COOKIE_SALT, max_age=identity.DEVICE_COOKIE_MAX_AGE
        )
    except signing.BadSignature:
        return False
    device = device_token_authenticate(raw=raw)
    return (
        device is not None
        and device.purpose == DeviceToken.Purpose.RATING_TABLET
        and device.counter_id == counter_id
    )


class RatingTabletConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.counter_id = int(self.scope["url_route"]["kwargs"]["counter_id"])
        await self.accept()
        signed = (self.scope.get("cookies") or {}).get(identity.DEVICE_COOKIE, "")
        allowed = bool(signed) and await database_sync_to_async(_tablet_allowed)(
            signed, self.counter_id
        )
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        group = counter_group(self.counter_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return  # the tablet only listens

    async def queue_event(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        if payload.get("kind") == "finished":
            await self.send_json(payload)
