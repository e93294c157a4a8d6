"""A websocket client of the real ASGI application for tests, sending a browser's headers."""

from __future__ import annotations

from asgiref.testing import ApplicationCommunicator

from motcua.conf.asgi import application


class CookieSocket(ApplicationCommunicator):
    """A websocket client of the ASGI application, with the browser's cookies. (Channels'
    ``WebsocketCommunicator`` does the same, but importing ``channels.testing`` needs daphne,
    which motcua does not use.)"""

    def __init__(self, path: str, cookie: str = "", origin: str = "http://testserver") -> None:
        headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": path,
                "query_string": b"",
                "headers": headers,
                "subprotocols": [],
            },
        )
