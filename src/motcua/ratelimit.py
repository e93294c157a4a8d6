"""A sliding-window rate limit over Django's cache (Redis when ``REDIS_URL`` is set, so every
application process shares the count; the process's memory otherwise).

``rate_limit_hit(scope, key, limit=, window=)`` counts one request and raises
:class:`RateLimited` (HTTP 429, with the seconds to wait) once more than ``limit`` requests fall
within the last ``window`` seconds. Callers pick the key: usually the client's address from
:func:`client_ip`.

The window slides in tenths: each request is counted in the bucket of its tenth of a window,
and a request is refused when the buckets of the last ten tenths already hold ``limit``. A plain
fixed window let a client make twice the limit across a window's end (and forgot a burst the
moment the window turned); this one does not. A refused request is not counted, so
``retry_after`` is the honest wait until the oldest requests leave the window: at most
``window`` seconds. One cache round trip more than a fixed window (``get_many``).
"""

from __future__ import annotations

import hashlib
import logging
import math
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


BUCKETS = 10


def rate_limit_hit(scope: str, key: str, *, limit: int, window: int) -> int:
    """Count one request of ``key`` in ``scope``; returns the requests counted within the last
    ``window`` seconds, this one included."""
    now = time.time()
    width = window / BUCKETS
    slot = int(now // width)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    prefix = f"rl:{_generation}:{scope}:{window}:{digest}:"
    names = [f"{prefix}{slot - age}" for age in range(BUCKETS - 1, -1, -1)]  # oldest first
    current = names[-1]
    timeout = window + int(width) + 5
    try:
        if not cache.add(current, 1, timeout=timeout):
            try:
                cache.incr(current)
            except ValueError:  # expired between add and incr
                cache.add(current, 1, timeout=timeout)
        found = cache.get_many(names)
        counts = [int(found.get(name) or 0) for name in names]
        total = sum(counts)
        if total > limit:
            # Refused requests are not counted: the wait below stays true for a client that
            # keeps trying.
            cache.decr(current)
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: serve rather than fail
        # Failing open: a citizen's ticket page or lookup must keep working while Redis is
        # away (docs/security.md, "Faults"); the limits come back with the cache.
        logger.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return 0
    if total > limit:
        counts[-1] -= 1
        wait = _wait(counts, limit=limit, first_gone_at=(slot + 1) * width, width=width, now=now)
        raise RateLimited(
            _("Quá nhiều yêu cầu. Xin thử lại sau %(seconds)s giây.") % {"seconds": wait},
            retry_after=wait,
        )
    return total


def _wait(counts: list[int], *, limit: int, first_gone_at: float, width: float, now: float) -> int:
    """Whole seconds until one more request fits: the oldest buckets leave the window one by
    one, the first (``counts[0]``) at ``first_gone_at``."""
    excess = sum(counts) + 1 - limit
    leaving = 0
    for age, count in enumerate(counts):
        leaving += count
        if leaving >= excess:
            return max(1, math.ceil(first_gone_at + age * width - now))
    return max(1, math.ceil(first_gone_at + len(counts) * width - now))  # limit below 1


def rate_limit_reset() -> None:
    """For tests: forget every count of this process (later keys are new ones; the shared
    cache itself is left alone, other processes may use it)."""
    global _generation
    _generation = uuid.uuid4().hex[:8]
