"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
django.setup(set_prefix=False)

from motcua.conf.asgi_handler import SyncChainASGIHandler  # noqa: E402

# Django's get_asgi_application(), with the middleware run in one thread hop (asgi_handler).
django_asgi_app = SyncChainASGIHandler()

# Imported after Django is set up: routing imports consumers, which import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from motcua.realtime.publish import attach_to_running_loop  # noqa: E402
from motcua.realtime.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)


async def application(scope, receive, send):  # type: ignore[no-untyped-def]
    """The router, after routing this process's channel-layer publishes through the server's
    event loop (motcua.realtime.publish: a request does not wait for Redis)."""
    attach_to_running_loop()
    await router(scope, receive, send)


def _freeze_startup_objects() -> None:
    """Move what startup made (Django, the apps, the URL conf and every view it imports) out of
    the garbage collector's reach (``gc.freeze``): they live as long as the process, and a full
    collection walked them all every time, a pause of every request of the process
    (docs/performance.md)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now
    gc.collect()
    gc.freeze()


_freeze_startup_objects()
