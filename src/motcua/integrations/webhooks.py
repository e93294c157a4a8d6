"""Webhook signatures: ``X-Motcua-Signature: v1=<hex>``, the HMAC-SHA256 with the
subscription's secret of ``"<X-Motcua-Timestamp>." + body`` (the raw bytes sent). A receiver
recomputes it, compares in constant time and refuses a timestamp older than a few minutes
(docs/integrations.md shows how)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Motcua-Signature"
TIMESTAMP_HEADER = "X-Motcua-Timestamp"
EVENT_HEADER = "X-Motcua-Event"
DELIVERY_HEADER = "X-Motcua-Delivery"
TOLERANCE_SECONDS = 300


def webhook_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def webhook_verify(
    secret: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does (shown in the docs; our tests' receiver does it independently)."""
    if not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), signature)
