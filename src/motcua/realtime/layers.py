"""The Redis channel layer, with a connection pool that waits instead of failing.

channels_redis builds redis-py's plain ``ConnectionPool``, which since redis-py 8 holds at most
100 connections per process and raises ``MaxConnectionsError`` at once beyond that. When 2,000
display and phone sockets closed together (a bench run's end; a server restart is the same in
reverse), 1,784 of their ``group_discard`` calls failed that way. Here the pool is redis-py's
``BlockingConnectionPool``: beyond ``REDIS_CHANNEL_CONNECTIONS`` connections a call waits (up
to ``REDIS_CHANNEL_WAIT`` seconds) for one to come free.

The pool also reads with a timeout longer than the layer's blocking pop. redis-py 8 reads with
a 5-second timeout by default, and channels_redis waits for a socket's next message with a
5-second ``BZPOPMIN``: on an idle channel the two raced, and when the client's timer won, the
consumer died with "Timeout reading from …" and its screen's websocket was closed (14 of 2,000
sockets in one bench run).
"""

from __future__ import annotations

from typing import Any

from channels_redis import core
from django.conf import settings
from redis import asyncio as aioredis

# Seconds a read may take beyond the blocking pop's own wait (a slow or busy Redis).
READ_MARGIN = 10


class RedisChannelLayer(core.RedisChannelLayer):
    """channels_redis' layer (same name, so /healthz reports it as before) with a waiting pool."""

    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        address = host.pop("address")
        host.setdefault("socket_timeout", self.brpop_timeout + READ_MARGIN)
        return aioredis.BlockingConnectionPool.from_url(
            address,
            max_connections=settings.REDIS_CHANNEL_CONNECTIONS,
            timeout=settings.REDIS_CHANNEL_WAIT,
            **host,
        )
