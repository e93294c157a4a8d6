"""A fixed-window rate limit over Django's cache (Redis when ``REDIS_URL`` is set, so every
application process shares the count; the process's memory otherwise).

``rate_limit_hit(scope, key, limit=, window=)`` counts one request and raises
:class:`RateLimited` (HTTP 429, with the seconds to wait) once ``limit`` is passed within the
window. Callers pick the key: usually the client's address from :func:`client_ip`.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.errors import ServiceError

logger = logging.getLogger(__name__)

_generation = "0"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy (``TRUSTED_PROXY_COUNT``) the address that
    proxy saw, from ``X-Forwarded-For``."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_hit(scope: str, key: str, *, limit: int, window: int) -> int:
    """Count one request of ``key`` in ``scope``; returns how many so far in this window."""
    now = int(time.time())
    slot = now // window
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    name = f"rl:{_generation}:{scope}:{digest}:{slot}"
    try:
        if cache.add(name, 1, timeout=window + 5):
            count = 1
        else:
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=window + 5)
                count = 1
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: serve rather than fail
        # Failing open: a citizen's ticket page or lookup must keep working while Redis is
        # away (docs/security.md, "Faults"); the limits come back with the cache.
        logger.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return 0
    if count > limit:
        wait = window - (now % window)
        raise RateLimited(
            _("Quá nhiều yêu cầu. Xin thử lại sau %(seconds)s giây.") % {"seconds": wait},
            retry_after=wait,
        )
    return count


def rate_limit_reset() -> None:
    """For tests: forget every count of this process (later keys are new ones; the shared
    cache itself is left alone, other processes may use it)."""
    global _generation
    _generation = uuid.uuid4().hex[:8]
