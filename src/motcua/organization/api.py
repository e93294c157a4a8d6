"""API of the organization: staff tokens, the list of centers, the working calendar."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema

from motcua.errors import InvalidInput
from motcua.organization.selectors import center_calendar, center_get_public, center_list_public
from motcua.organization.services import api_token_issue
from motcua.workcalendar.calendar import CalendarError, add_working_time, parse_duration
from motcua.workcalendar.selectors import calendar_special_days

auth_router = Router(tags=["auth"])
centers_router = Router(tags=["centers"])
calendar_router = Router(tags=["calendar"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ErrorOut(Schema):
    code: str
    message: str


@auth_router.post("token", response={200: TokenOut, 403: ErrorOut, 429: ErrorOut}, auth=None)
def token_create(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a staff member's user name and password for a bearer token (30 days). After
    5 wrong passwords for one user name from one address, that pair is refused for 15
    minutes: 429 ``locked_out``."""
    token, raw = api_token_issue(
        username=payload.username, password=payload.password, request=request
    )
    return TokenOut(token=raw, expires_at=token.expires_at)


class CenterOut(Schema):
    code: str
    name: str
    unit_code: str
    province: str
    address: str
    time_zone: str


def _center_out(center) -> CenterOut:
    return CenterOut(
        code=center.code,
        name=center.name,
        unit_code=center.unit_code,
        province=center.province.code,
        address=center.address,
        time_zone=center.time_zone,
    )


@centers_router.get("", response=list[CenterOut], auth=None)
def center_list(request: HttpRequest) -> list[CenterOut]:
    """Every active center (public)."""
    return [_center_out(center) for center in center_list_public()]


@centers_router.get("/{code}", response={200: CenterOut, 404: ErrorOut}, auth=None)
def center_detail(request: HttpRequest, code: str) -> CenterOut:
    return _center_out(center_get_public(code=code))


class DueOut(Schema):
    due: str
    center: str
    start: str
    duration: str
    working_minutes: int


# A "+" in a query string arrives as a space unless it was encoded: 10:00+07:00 → "10:00 07:00".
_OFFSET_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def _parse_start(text: str, tz: ZoneInfo) -> datetime:
    cleaned = _OFFSET_AS_SPACE.sub(r"\1+\2", text.strip())
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            _(
                "Thời điểm bắt đầu “%(value)s” không đúng định dạng ISO 8601, ví dụ 2026-02-13T10:00:00+07:00."
            )
            % {"value": text},
            code="invalid_start",
        ) from None
    if timezone.is_naive(moment):
        # A time without an offset is read in the center's own zone.
        moment = moment.replace(tzinfo=tz)
    return moment


@calendar_router.get("due", response={200: DueOut, 400: ErrorOut, 404: ErrorOut}, auth=None)
def calendar_due(request: HttpRequest, center: str, start: str, duration: str) -> DueOut:
    """When a duration of working time (``3d``, ``4h``, ``0.5d``) counted from ``start`` ends."""
    center_obj = center_get_public(code=center)
    calendar = center_calendar(center=center_obj)
    moment = _parse_start(start, calendar.tz)
    try:
        length = parse_duration(duration).to_timedelta(calendar)
    except CalendarError:
        raise InvalidInput(
            _("Thời hạn “%(value)s” không hợp lệ: dùng ví dụ 3d (ngày làm việc), 4h (giờ), 0.5d.")
            % {"value": duration},
            code="invalid_duration",
        ) from None
    due = add_working_time(calendar, moment, length)
    return DueOut(
        due=due.isoformat(),
        center=center_obj.code,
        start=moment.astimezone(calendar.tz).isoformat(),
        duration=duration,
        working_minutes=int(length.total_seconds() // 60),
    )


class SpecialDayOut(Schema):
    date: str
    name: str
    source: str


class HolidaysOut(Schema):
    center: str
    year: int
    days_off: list[SpecialDayOut]
    extra_working_days: list[SpecialDayOut]


@calendar_router.get(
    "holidays", response={200: HolidaysOut, 400: ErrorOut, 404: ErrorOut}, auth=None
)
def calendar_holidays(request: HttpRequest, center: str, year: int) -> HolidaysOut:
    """The year's days off that fall on working weekdays or weekends (holidays, swaps,
    overrides) and its extra working days (make-up Saturdays, overrides)."""
    if not 1900 <= year <= 2200:
        raise InvalidInput(_("Năm phải trong khoảng 1900–2200."), code="invalid_year")
    center_obj = center_get_public(code=center)
    calendar = center_calendar(center=center_obj)
    days = calendar_special_days(
        calendar=calendar, center_code=center_obj.code, year=year, language=get_language() or "vi"
    )
    out = HolidaysOut(center=center_obj.code, year=year, days_off=[], extra_working_days=[])
    for day in days:
        item = SpecialDayOut(date=day.date.isoformat(), name=day.name, source=day.source)
        (out.days_off if day.kind == "day_off" else out.extra_working_days).append(item)
    return out
