"""Reports API: the headline figures of a center or a province for a period."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.errors import InvalidInput, Unauthorized
from motcua.organization.identity import caller
from motcua.reporting import selectors
from motcua.reporting.periods import period_parse

router = Router(tags=["reports"])


class ErrorOut(Schema):
    code: str
    message: str


class ChannelsOut(Schema):
    direct: int
    online: int
    postal: int


class ResolvedOut(Schema):
    early: int
    on_time: int
    late: int


class InProgressOut(Schema):
    on_time: int
    overdue: int


class QueueOut(Schema):
    tickets: int
    served: int
    no_show: int
    left_without_service: int
    avg_wait_minutes: float | None
    median_wait_minutes: float | None
    p90_wait_minutes: float | None
    avg_service_minutes: float | None


class PeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    time_zone: str


class SummaryOut(Schema):
    received: int
    by_channel: ChannelsOut
    resolved: ResolvedOut
    in_progress: InProgressOut
    online_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    ratings: int
    queue: QueueOut
    center: str | None = None
    province: str | None = None
    period: PeriodOut


@router.get(
    "reports/summary",
    response={200: SummaryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=None,
    by_alias=True,
)
def reports_summary(
    request: HttpRequest,
    center: str = "",
    province: str = "",
    from_: str = Query("", alias="from"),
    to: str = "",
) -> dict:
    """The figures of a center (``center=CODE``) or of every center of a province
    (``province=CODE``) from ``from`` to ``to`` (local dates, both included; default this
    month). Rates in percent with one decimal, null when there is nothing to divide by.
    For staff with a reporting role there (center admin, leader, analyst, province admin),
    by session or bearer token."""
    user = caller(request).user
    if user is None:
        raise Unauthorized(_("Cần đăng nhập hoặc mã truy cập của cán bộ."))
    if bool(center) == bool(province):
        raise InvalidInput(
            _("Hãy cho biết đúng một trong hai: center (mã trung tâm) hoặc province (mã tỉnh)."),
            code="invalid_scope",
        )
    if center:
        scope = selectors.center_scope(user=user, code=center)
    else:
        scope = selectors.province_scope(user=user, code=province)
    now = timezone.now()
    today = now.astimezone(scope.tz).date()
    period = period_parse(first=from_ or None, last=to or None, tz=scope.tz, today=today)
    body = selectors.summary(scope=scope, period=period, now=now)
    body["center"] = scope.code if scope.kind == "center" else None
    body["province"] = scope.province.code if scope.province else None
    body["period"] = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "time_zone": str(scope.tz),
    }
    return body
