"""Websocket consumers shared by every screen."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/ping``: answers ``{"type": "ping"}`` with ``{"type": "pong"}`` (monitoring, tests)."""

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
