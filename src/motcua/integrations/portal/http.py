"""The HTTP adapter of the portal contract (docs/integrations.md): JSON over HTTPS, a bearer
token, an ``Idempotency-Key`` header on every push."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from motcua.integrations.portal.base import PortalError, adapter_register

TIMEOUT_SECONDS = 10
# 4xx answers that are worth trying again (the others are permanent).
TEMPORARY_4XX = {408, 409, 425, 429}


class HttpPortal:
    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if urlsplit(base_url).scheme not in {"http", "https"}:
            raise PortalError("PORTAL_SYNC_URL must be an http:// or https:// URL", permanent=True)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        if query:
            url = f"{url}?{urlencode(query)}"
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url,
            data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
                **(headers or {}),
            },
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(20 * 1024 * 1024)
        except urllib.error.HTTPError as error:
            code, message = "error", ""
            try:
                answer = json.loads(error.read(4000) or b"{}")
                code = str(answer.get("code") or code)
                message = str(answer.get("message") or "")
            except (ValueError, AttributeError):
                pass
            permanent = 400 <= error.code < 500 and error.code not in TEMPORARY_4XX
            raise PortalError(
                f"portal HTTP {error.code} {code}: {message}"[:500], code=code, permanent=permanent
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise PortalError(f"portal unreachable: {error}"[:500], code="unreachable") from None
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise PortalError(
                "portal answered something that is not JSON", code="bad_answer"
            ) from None
        if not isinstance(answer, dict):
            raise PortalError(
                "portal answered something that is not a JSON object", code="bad_answer"
            )
        return answer

    def push_status(self, payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return self._call(
            "POST", "/dossiers/status", body=payload, headers={"Idempotency-Key": idempotency_key}
        )

    def pull_submitted(self, *, unit_code: str, cursor: str) -> tuple[list[dict[str, Any]], str]:
        query = {"unit_code": unit_code}
        if cursor:
            query["after"] = cursor
        answer = self._call("GET", "/dossiers/submitted", query=query)
        items = answer.get("items")
        if not isinstance(items, list):
            raise PortalError("portal answer has no 'items' list", code="bad_answer")
        return [item for item in items if isinstance(item, dict)], str(answer.get("next") or cursor)

    def pull_catalog(self, *, cursor: str) -> tuple[list[dict[str, Any]], str]:
        answer = self._call("GET", "/catalog/updates", query={"after": cursor} if cursor else None)
        records = answer.get("records")
        if not isinstance(records, list):
            raise PortalError("portal answer has no 'records' list", code="bad_answer")
        return records, str(answer.get("next") or cursor)


def _factory() -> HttpPortal:
    return HttpPortal(settings.PORTAL_SYNC_URL, getattr(settings, "PORTAL_SYNC_TOKEN", ""))


adapter_register("http", _factory)
