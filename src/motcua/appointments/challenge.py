"""The proof-of-work challenge of the public booking form (ALTCHA, v1 format).

The browser finds the number whose SHA-256 with the salt gives the challenge (a fraction of a
second on a phone; costly for a bot making thousands of bookings). The challenge is signed with
a key derived from ``SECRET_KEY``, expires after ten minutes and is accepted once.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from motcua.errors import InvalidInput

EXPIRES = timedelta(minutes=10)


def _key() -> str:
    return salted_hmac("motcua.appointments.altcha", "key", algorithm="sha256").hexdigest()


def challenge_create() -> dict:
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            algorithm="SHA-256",
            max_number=int(getattr(settings, "ALTCHA_MAX_NUMBER", 50_000)),
            hmac_key=_key(),
            expires=timezone.now() + EXPIRES,
        )
    )
    return challenge.to_dict()


def challenge_verify(payload: str | None) -> None:
    """Accept a solved challenge once; raise InvalidInput otherwise."""
    if not payload:
        raise InvalidInput(
            _("Thiếu xác minh chống máy tự động; hãy tải lại trang và thử lại."),
            code="challenge_required",
        )
    ok, _error = altcha.verify_solution_v1(payload, _key(), True)
    if not ok:
        raise InvalidInput(
            _("Xác minh chống máy tự động không hợp lệ hoặc đã hết hạn; hãy thử lại."),
            code="challenge_failed",
        )
    try:
        challenge = json.loads(base64.b64decode(payload))["challenge"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(_("Xác minh không hợp lệ."), code="challenge_failed") from None
    if not cache.add(f"altcha-used:{challenge}", 1, timeout=int(EXPIRES.total_seconds()) + 60):
        raise InvalidInput(_("Xác minh này đã được dùng; hãy thử lại."), code="challenge_used")


def challenge_solve(challenge: dict) -> str:
    """Solve a challenge as the browser does (for tests and tools)."""
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    if solution is None:
        raise ValueError("no solution")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
