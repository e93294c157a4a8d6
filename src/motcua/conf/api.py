"""The one JSON API of the product, served at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

import logging

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from motcua.appointments.api import router as appointments_router
from motcua.catalog.api import router as catalog_router
from motcua.dossiers.api import router as dossiers_router
from motcua.errors import ServiceError
from motcua.feedback.api import router as feedback_router
from motcua.organization.api import auth_router, calendar_router, centers_router
from motcua.queueing.api import router as queue_router
from motcua.reporting.api import router as reporting_router

logger = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    """Vietnamese stays readable in responses (no \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="motcua API",
    version="1",
    description="One-stop public administrative service centers: queue, catalog, dossiers, reports.",
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **extra
) -> HttpResponse:
    """Every API error has the same body: a stable machine code and a human message."""
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        request, 400, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."), errors=exc.errors
    )


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, **exc.details)
    if "retry_after" in exc.details:
        response["Retry-After"] = str(exc.details["retry_after"])
    return response


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django cannot read (a broken multipart form, too many fields): JSON like every
    other refusal, never Django's HTML page."""
    return error_response(request, 400, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database went away mid-request (a dropped connection, a failover): nothing was
    saved (the transaction rolled back), so the caller may try again (docs/security.md)."""
    logger.exception("database unavailable during %s %s", request.method, request.path)
    response = error_response(
        request,
        503,
        "unavailable",
        _("Hệ thống tạm thời không lưu được dữ liệu. Xin thử lại sau ít giây."),
    )
    response["Retry-After"] = "5"
    return response


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthorized", _("Cần đăng nhập hoặc mã truy cập hợp lệ."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = getattr(exc, "code", None) or {
        400: "invalid_input",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
    }.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


api.add_router("/auth/", auth_router)
api.add_router("/centers", centers_router)
api.add_router("/calendar/", calendar_router)
api.add_router("/", catalog_router)
api.add_router("/", queue_router)
api.add_router("/", dossiers_router)
api.add_router("/", appointments_router)
api.add_router("/", reporting_router)
api.add_router("/", feedback_router)
