"""Errors that services raise for the caller to show: a stable code and a translated message.

Views show ``message`` to the person; the API answers ``{"code", "message"}`` with ``status``.
"""

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "invalid_input"

    def __init__(self, message: Any, *, code: str | None = None, **details: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.details = details


class InvalidInput(ServiceError):
    status = 400
    code = "invalid_input"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
