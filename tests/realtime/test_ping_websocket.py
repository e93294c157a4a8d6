"""Websockets are served by the same ASGI application as HTTP, through a real server."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets


def run(coroutine):
    """Run a client coroutine in its own thread (and event loop), like a separate device."""
    with ThreadPoolExecutor(1) as executor:
        return executor.submit(asyncio.run, coroutine).result(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_ping_over_a_real_websocket(live_server_url):
    url = live_server_url.replace("http://", "ws://") + "/ws/ping"

    async def exchange():
        async with websockets.connect(url, origin=live_server_url) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            return json.loads(await asyncio.wait_for(socket.recv(), 5))

    assert run(exchange()) == {"type": "pong"}


@pytest.mark.django_db(transaction=True)
def test_websocket_from_another_origin_is_refused(live_server_url):
    url = live_server_url.replace("http://", "ws://") + "/ws/ping"

    async def connect():
        async with websockets.connect(url, origin="http://evil.example"):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatus):
        run(connect())
