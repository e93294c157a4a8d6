"""Django's ASGI handler, with a request's synchronous work done in one thread hop.

Django's ASGI handler builds the middleware chain in async mode. Our views are synchronous (the
ORM is), and so is most middleware: in async mode Django's ``MiddlewareMixin`` runs each
``process_request``/``process_response`` hook through ``sync_to_async``, a sync-only middleware
in the middle of the chain turns the inner part back into ``async_to_sync``, and the
``request_started``/``request_finished`` signals and ``response.close()`` cross once more each.
One ticket request crossed between the event loop and a worker thread about a dozen times;
under load those crossings took a third of a process's time (docs/performance.md).

Here the chain is built in sync mode, exactly as under WSGI, and the request is served in one
call on a worker thread: the ``request_started`` signal, the request object, the chain and the
view, and, for a response held in memory, ``close()`` (the ``request_finished`` signal, which
gives the database connection back to the pool) — the content is already in memory, so closing
before sending changes nothing for the client. A streaming response (a file) is closed after it
is sent, as Django does. An async view (``/healthz``) is run by Django's sync path with
``async_to_sync``, on the server's loop.

The worker threads are a fixed pool per process (``ASGI_THREADS``, by default as many as the
database pool's connections), where Django makes a thread for each request
(``ThreadSensitiveContext``: creating and joining it took a sixth of a process's time). A
request runs from start to end in one thread, which is what Django's thread-bound database
connections need; requests still run side by side, so a slow one does not hold up the others.

What Django's handler does and this one does not: cancel the view when the client disconnects
mid-request (a synchronous view cannot be cancelled anyway; its response is then dropped).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import set_script_prefix


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(
            max_workers=settings.ASGI_THREADS, thread_name_prefix="motcua-http"
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    def _in_thread(self, func: Any) -> Any:
        return sync_to_async(func, thread_sensitive=False, executor=self.executor)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            response = await self._in_thread(self._serve)(scope, body_file)
            await self.send_response(response, send)
            if response.streaming:
                await self._in_thread(response.close)()

    def _serve(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response: HttpResponseBase
        if request is None:
            response = error_response  # type: ignore[assignment]  # set when request is None
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Not used by handle(); kept for callers of Django's API (BaseHandler.get_response:
        # urlconf, the chain, closers and the log of 4xx/5xx).
        return await self._in_thread(self.get_response)(request)
