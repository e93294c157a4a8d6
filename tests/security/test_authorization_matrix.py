"""Who may reach what: every URL of the product (the pages, every operation of the JSON API
under /api/v1/, the Django admin; the websockets in test_websocket_matrix.py) asked by every
role, for an object of the caller's own center and of another center, against a declared
matrix.

Deny by default: a route that the matrix does not declare fails the test, so a new page or API
operation cannot ship without someone writing down who may use it.

"Allow" is any answer but a denial; a denial is 401, 403, 404, or a redirect to a log-in page.
For another center's objects every role must be denied (404 or 403, never the data).

Identities: a user of each staff role at center A (province roles over A's province; center B
is in another province), anonymous, and the four kinds of paired device of center A (sending
``X-Device-Token``). Objects: tests/security/world.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from motcua.organization.models import Center, Role
from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import pdf_bytes
from tests.factories import PASSWORD
from tests.security.world import OPEN, PROCEDURE_CODE, Side, World, build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache", "private_media")]

# --- Identities ----------------------------------------------------------------------------

CA, RC, SP, LD, PO, PA, AN = (
    Role.CENTER_ADMIN.value,
    Role.RECEPTIONIST.value,
    Role.SPECIALIST.value,
    Role.LEADER.value,
    Role.POSTAL.value,
    Role.PROVINCE_ADMIN.value,
    Role.ANALYST.value,
)
ANON = "anonymous"
KIOSK, DISPLAY, TERMINAL, TABLET = "kiosk", "display", "counter_terminal", "rating_tablet"
STAFF = frozenset({CA, RC, SP, LD, PO, PA, AN})
DEVICES = frozenset({KIOSK, DISPLAY, TERMINAL, TABLET})
EVERYONE = STAFF | DEVICES | {ANON}
IDENTITIES = sorted(EVERYONE)
NOBODY: frozenset[str] = frozenset()
ADMINS = frozenset({CA, PA})


@dataclass(frozen=True)
class Access:
    """Who is allowed. ``scoped``: the route names an object or a center, and is probed for
    center A (``allow``) and for center B (``other``: nobody unless said); else probed once."""

    allow: frozenset[str]
    scoped: bool = True
    other: frozenset[str] = frozenset()
    note: str = ""


def public(note: str = "", *, scoped: bool = False) -> Access:
    """Anyone, for any center (the route is public by design: catalog, display, tracking by
    a signed link, ...)."""
    return Access(EVERYONE, scoped=scoped, other=EVERYONE if scoped else NOBODY, note=note)


def only(*who: str, scoped: bool = True, other: frozenset[str] = NOBODY, note: str = "") -> Access:
    return Access(frozenset(who), scoped=scoped, other=other, note=note)


def nobody(note: str, *, scoped: bool = False) -> Access:
    return Access(NOBODY, scoped=scoped, note=note)


CENTER_STAFF = (CA, RC, SP, LD, PO)  # the center roles
DOSSIER_STAFF = (CA, RC, SP, LD)
REPORT_READERS = (CA, LD, PA, AN)

# --- The matrix ----------------------------------------------------------------------------
# Key: the route's name (namespace:name) as reverse() knows it; API operations are "api:<name>".

MATRIX: dict[str, Access] = {
    # Site-wide
    "healthz": public(),
    "set_language": public(),
    "javascript-catalog": public(),
    "web:public-home": public(),
    "web:login": public(),
    "web:logout": nobody("answers everyone with the log-in page (a redirect to it)"),
    "web:home": only(*STAFF, scoped=False),
    # API: documentation and authentication
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    "api:api-root": nobody("no page at /api/v1/ itself"),
    "api:token_create": public("anyone may try to log in (lock-out and rate limits apply)"),
    # API: organization, calendar, catalog (public facts)
    "api:center_list": public(),
    "api:center_detail": public(scoped=True),
    "api:calendar_due": public(),
    "api:calendar_holidays": public(),
    "api:fields": public(),
    "api:procedures": public(),
    "api:procedure_detail": public("the national catalog"),
    # API: queue
    "api:queue_services": public(scoped=True),
    "api:ticket_create": only(
        ANON,
        KIOSK,
        *CENTER_STAFF,
        other=frozenset({ANON}),
        note="anonymous: a remote number (per-phone and per-address limits)",
    ),
    "api:ticket_status": public("by the ticket's random token", scoped=True),
    "api:counters": public(scoped=True),
    "api:call_next": only(TERMINAL, *CENTER_STAFF),
    "api:counter_action": only(TERMINAL, *CENTER_STAFF),
    "api:display": public(scoped=True),
    # API: dossiers
    "api:dossier_lookup": nobody("without the secret nobody finds the dossier"),
    "api:dossier_create": only(CA, RC),
    "api:dossier_files": only(CA, RC),
    "api:dossier_detail": only(*DOSSIER_STAFF),
    "api:dossier_action": only(CA, RC, LD, note="assign: the supervisors and the receiver"),
    # API: appointments
    "api:challenge": public(),
    "api:slots": public(scoped=True),
    "api:appointment_create": only(
        ANON,
        KIOSK,
        CA,
        RC,
        SP,
        LD,
        other=frozenset({ANON}),
        note="citizens book anywhere; staff and kiosks for their center",
    ),
    "api:appointment_detail": nobody("the holder's secret is needed", scoped=True),
    "api:appointment_confirm": only(*DOSSIER_STAFF, note="without the holder's secret"),
    "api:appointment_cancel": only(*DOSSIER_STAFF, note="without the holder's secret"),
    "api:appointment_reschedule": only(*DOSSIER_STAFF, note="without the holder's secret"),
    "api:check_in": only(KIOSK, *CENTER_STAFF),
    "api:day_appointments": only(*DOSSIER_STAFF),
    # API: reports, ratings, feedback
    "api:reports_summary": only(*REPORT_READERS),
    "api:rating_create": public("by the ticket's token", scoped=True),
    "api:feedback_create": public(scoped=True),
    "api:feedback_follow": public("by the item's random code", scoped=True),
    # Appointments
    "appointments:book": public(),
    "appointments:book-center": public(scoped=True),
    "appointments:manage": public("without the secret: a form asking for it", scoped=True),
    "appointments:qr": public("the code's QR image, rate-limited", scoped=True),
    "appointments:ics": nobody("the holder's secret is needed", scoped=True),
    "appointments:kiosk-check-in": only(KIOSK, *CENTER_STAFF),
    "appointments:staff-day": only(*DOSSIER_STAFF, scoped=False),
    "appointments:staff-book": only(*DOSSIER_STAFF, scoped=False),
    # Satisfaction and feedback
    "feedback_tablet:tablet": only(TABLET),
    "feedback_tablet:pending": only(TABLET),
    "feedback_public:rate-ticket": public("by the ticket's token", scoped=True),
    "feedback_public:rate-dossier": public("by the signed tracking token", scoped=True),
    "feedback_public:submit": public(),
    "feedback_public:follow": public(),
    "feedback_public:answers": public("published answers", scoped=True),
    "feedback_staff:list": only(CA, LD, RC, PA, scoped=False),
    "feedback_staff:new": only(CA, LD, RC, scoped=False),
    "feedback_staff:detail": only(CA, LD, PA),
    "feedback_staff:act": only(CA, LD, PA),
    "feedback_staff:ratings": only(*REPORT_READERS, scoped=False),
    "feedback_staff:rating": only(*REPORT_READERS),
    # Dossiers: citizens
    "dossiers_public:submit": public("the national catalog's procedure"),
    "dossiers_public:track": public(),
    "dossiers_public:track-signed": public("by the signed tracking token", scoped=True),
    "dossiers_public:supplement": nobody(
        "only the session that opened the dossier with its secret", scoped=True
    ),
    "dossiers_public:result-file": nobody(
        "only the session that opened the dossier with its secret", scoped=True
    ),
    "dossiers_public:kiosk-track": public(scoped=True),
    # Dossiers: staff
    "dossiers_staff:list": only(*STAFF, scoped=False, note="each sees their centers' dossiers"),
    "dossiers_staff:online": only(*STAFF, scoped=False, note="each sees their centers' dossiers"),
    "dossiers_staff:mine": only(*STAFF, scoped=False, note="each sees their own work"),
    "dossiers_staff:receive": only(CA, RC, scoped=False),
    "dossiers_staff:cccd-parse": only(CA, RC, PO, scoped=False),
    "dossiers_staff:register": only(*DOSSIER_STAFF, scoped=False),
    "dossiers_staff:register-xlsx": only(*DOSSIER_STAFF, scoped=False),
    "dossiers_staff:department": only(CA, SP, LD, scoped=False),
    "dossiers_staff:work": only(*DOSSIER_STAFF, scoped=False),
    "dossiers_staff:bulk-assign": only(CA, LD, scoped=False),
    "dossiers_staff:file": only(*DOSSIER_STAFF),
    "dossiers_staff:detail": only(*DOSSIER_STAFF),
    "dossiers_staff:decide": only(CA, RC),
    "dossiers_staff:attach": only(*DOSSIER_STAFF),
    "dossiers_staff:return": only(*DOSSIER_STAFF),
    "dossiers_staff:form-pdf": only(*DOSSIER_STAFF),
    "dossiers_staff:act": only(*DOSSIER_STAFF),
    "dossiers_staff:form05": only(*DOSSIER_STAFF),
    # Catalog
    "catalog:list": public(),
    "catalog:detail": public("the national catalog"),
    "catalog:kiosk-lookup": public(scoped=True),
    "catalog:kiosk-procedure": public(scoped=True),
    # Notifications
    "notifications:message-list": only(*STAFF, scoped=False, note="messages of their centers"),
    "notifications:message-detail": only(*STAFF, note="messages of their centers"),
    "notifications:message-retry": only(CA, RC, PA),
    "notifications:template-list": only(CA, PA, scoped=False),
    "notifications:template-edit": only(CA, PA),
    "notifications:opt-out": public("by the signed token"),
    # Integrations
    "integrations:outbox": only(CA, PA, scoped=False),
    "integrations:outbox-retry": only(CA, PA),
    # Queue screens
    "queue_screens:device-pair": public("anyone may type a device token"),
    "queue_screens:device-unpair": public(),
    "queue_screens:kiosk": only(KIOSK, *CENTER_STAFF),
    "queue_screens:kiosk-ticket": only(KIOSK, *CENTER_STAFF),
    "queue_screens:kiosk-service": only(KIOSK, *CENTER_STAFF),
    "queue_screens:counter-choose": only(*STAFF, scoped=False, note="lists their counters"),
    "queue_screens:counter": only(*CENTER_STAFF),
    "queue_screens:counter-act": only(*CENTER_STAFF),
    "queue_screens:counter-waiting": only(*CENTER_STAFF),
    "queue_screens:terminal": only(TERMINAL),
    "queue_screens:terminal-act": only(TERMINAL),
    "queue_screens:terminal-waiting": only(TERMINAL),
    "display:screen": public("the hall's screen", scoped=True),
    "queueing:call-voice": public("only for a ticket really called there", scoped=True),
    "queueing:ticket-page": public("by the ticket's random token", scoped=True),
    "queueing:remote": public(scoped=True),
    # Reports
    "reporting:home": only(*REPORT_READERS, scoped=False),
    "reporting:center": only(*REPORT_READERS),
    "reporting:center-today": only(*REPORT_READERS),
    "reporting:monthly-pdf": only(*REPORT_READERS),
    "reporting:center-xlsx": only(*REPORT_READERS),
    "reporting:province": only(PA, AN),
    "reporting:province-xlsx": only(PA, AN),
    "reporting:public-index": public(),
    "reporting:public-center": public(scoped=True),
    "reporting:public-province": public(scoped=True),
    # Audit
    "audit:list": only(CA, LD, PA, scoped=False),
}

ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"

# --- Probes: how to ask each route ---------------------------------------------------------


@dataclass
class Probe:
    method: str
    path: str
    data: Any = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


ProbeFn = Callable[[World, Side], Probe]


def get(route: str, /, **kwargs: Callable[[World, Side], Any]) -> ProbeFn:
    return lambda w, s: Probe("GET", reverse(route, kwargs={k: f(w, s) for k, f in kwargs.items()}))


def post(route: str, data: Any = None, /, **kwargs: Callable[[World, Side], Any]) -> ProbeFn:
    def probe(w: World, s: Side) -> Probe:
        body = data(w, s) if callable(data) else (data or {})
        return Probe("POST", reverse(route, kwargs={k: f(w, s) for k, f in kwargs.items()}), body)

    return probe


def api(method: str, path: Callable[[World, Side], str], body: Any = None) -> ProbeFn:
    """An API call; ``body`` (a dict, or a function of the world) goes as JSON."""

    def probe(w: World, s: Side) -> Probe:
        data = body(w, s) if callable(body) else body
        if method == "GET":
            return Probe("GET", "/api/v1/" + path(w, s))
        return Probe(method, "/api/v1/" + path(w, s), json.dumps(data or {}), "application/json")

    return probe


def center_code(w: World, s: Side) -> str:
    return s.center.code


def province_code(w: World, s: Side) -> str:
    return s.province.code


def counter_id(w: World, s: Side) -> int:
    return s.counter.pk


def dossier_code(w: World, s: Side) -> str:
    return s.dossier.code


def appointment_code(w: World, s: Side) -> str:
    return s.appointment.code


def ticket_token(w: World, s: Side) -> str:
    return s.ticket.token


def _files_probe(w: World, s: Side) -> Probe:
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="application/pdf")
    return Probe("POST", f"/api/v1/dossiers/{s.dossier.code}/files", {"files": [scan]})


def _dossier_body(w: World, s: Side) -> dict[str, Any]:
    return {
        "center": s.center.code,
        "procedure": PROCEDURE_CODE,
        "channel": "online",
        "applicant": {"name": "Lê Văn Cường", "phone": "0912000222"},
    }


PROBES: dict[str, ProbeFn] = {
    "set_language": post("set_language", {"language": "vi"}),
    "web:logout": post("web:logout"),
    # API
    "api:openapi-json": api("GET", lambda w, s: "openapi.json"),
    "api:openapi-view": api("GET", lambda w, s: "docs"),
    "api:api-root": api("GET", lambda w, s: ""),
    "api:token_create": api(
        "POST", lambda w, s: "auth/token", {"username": "u-receptionist", "password": PASSWORD}
    ),
    "api:center_list": api("GET", lambda w, s: "centers"),
    "api:center_detail": api("GET", lambda w, s: f"centers/{s.center.code}"),
    "api:calendar_due": api(
        "GET", lambda w, s: f"calendar/due?center={s.center.code}&start=2026-11-25&days=3"
    ),
    "api:calendar_holidays": api("GET", lambda w, s: "calendar/holidays?year=2026"),
    "api:fields": api("GET", lambda w, s: "fields"),
    "api:procedures": api("GET", lambda w, s: "procedures"),
    "api:procedure_detail": api("GET", lambda w, s: f"procedures/{PROCEDURE_CODE}"),
    "api:queue_services": api("GET", lambda w, s: f"centers/{s.center.code}/queue-services"),
    "api:ticket_create": api(
        "POST", lambda w, s: f"centers/{s.center.code}/tickets", {"service": "ho-tich"}
    ),
    "api:ticket_status": api("GET", lambda w, s: f"tickets/{s.ticket.token}"),
    "api:counters": api("GET", lambda w, s: f"centers/{s.center.code}/counters"),
    "api:call_next": api("POST", lambda w, s: f"counters/{s.counter.pk}/call-next"),
    "api:counter_action": api("POST", lambda w, s: f"counters/{s.counter.pk}/actions/recall"),
    "api:display": api("GET", lambda w, s: f"centers/{s.center.code}/display"),
    "api:dossier_lookup": api(
        "GET", lambda w, s: f"dossiers/lookup?code={s.dossier.code}&secret=0000"
    ),
    "api:dossier_create": api("POST", lambda w, s: "dossiers", _dossier_body),
    "api:dossier_files": _files_probe,
    "api:dossier_detail": api("GET", lambda w, s: f"dossiers/{s.dossier.code}"),
    "api:dossier_action": api("POST", lambda w, s: f"dossiers/{s.dossier.code}/actions/assign"),
    "api:challenge": api("GET", lambda w, s: "challenge"),
    "api:slots": api(
        "GET", lambda w, s: f"centers/{s.center.code}/slots?service=ho-tich&date=2026-11-26"
    ),
    "api:appointment_create": api(
        "POST",
        lambda w, s: "appointments",
        lambda w, s: {
            "center": s.center.code,
            "service": "ho-tich",
            "start": "2026-11-26T09:15:00+07:00",
            "name": "Phạm Thị Dung",
            "phone": "0912000333",
            "consent": True,
        },
    ),
    "api:appointment_detail": api("GET", lambda w, s: f"appointments/{s.appointment.code}"),
    "api:appointment_confirm": api(
        "POST", lambda w, s: f"appointments/{s.appointment.code}/confirm", {}
    ),
    "api:appointment_cancel": api(
        "POST", lambda w, s: f"appointments/{s.appointment.code}/cancel", {}
    ),
    "api:appointment_reschedule": api(
        "POST",
        lambda w, s: f"appointments/{s.appointment.code}/reschedule",
        {"start": "2026-11-26T09:30:00+07:00"},
    ),
    "api:check_in": api(
        "POST",
        lambda w, s: f"centers/{s.center.code}/check-in",
        lambda w, s: {"scan": s.appointment.code},
    ),
    "api:day_appointments": api(
        "GET", lambda w, s: f"centers/{s.center.code}/appointments?date=2026-11-26"
    ),
    "api:reports_summary": api("GET", lambda w, s: f"reports/summary?center={s.center.code}"),
    "api:rating_create": api(
        "POST",
        lambda w, s: "ratings",
        lambda w, s: {"ticket": s.ticket.token, "score": "satisfied"},
    ),
    "api:feedback_create": api(
        "POST",
        lambda w, s: "feedback",
        lambda w, s: {
            "center": s.center.code,
            "category": "question",
            "subject": "Giờ làm việc",
            "content": "Thứ bảy có làm việc không?",
        },
    ),
    "api:feedback_follow": api("GET", lambda w, s: f"feedback/{s.feedback.code}"),
    # Appointments
    "appointments:book-center": get("appointments:book-center", center=center_code),
    "appointments:manage": get("appointments:manage", code=appointment_code),
    "appointments:qr": get("appointments:qr", code=appointment_code),
    "appointments:ics": get("appointments:ics", code=appointment_code),
    "appointments:kiosk-check-in": get("appointments:kiosk-check-in", center=center_code),
    # Feedback
    "feedback_tablet:tablet": get("feedback_tablet:tablet", counter_id=counter_id),
    "feedback_tablet:pending": get("feedback_tablet:pending", counter_id=counter_id),
    "feedback_public:rate-ticket": get("feedback_public:rate-ticket", token=ticket_token),
    "feedback_public:rate-dossier": get(
        "feedback_public:rate-dossier", token=lambda w, s: s.tracking_token
    ),
    "feedback_public:answers": get("feedback_public:answers", center=center_code),
    "feedback_staff:detail": get("feedback_staff:detail", pk=lambda w, s: s.feedback.pk),
    "feedback_staff:act": post(
        "feedback_staff:act", {"action": "note", "note": "Đã xem."}, pk=lambda w, s: s.feedback.pk
    ),
    "feedback_staff:rating": get("feedback_staff:rating", pk=lambda w, s: s.rating.pk),
    # Dossiers, public
    "dossiers_public:submit": get("dossiers_public:submit", code=lambda w, s: PROCEDURE_CODE),
    "dossiers_public:track-signed": get(
        "dossiers_public:track-signed", token=lambda w, s: s.tracking_token
    ),
    "dossiers_public:supplement": post("dossiers_public:supplement", {}, code=dossier_code),
    "dossiers_public:result-file": get(
        "dossiers_public:result-file", code=dossier_code, pk=lambda w, s: s.result_file.pk
    ),
    "dossiers_public:kiosk-track": get("dossiers_public:kiosk-track", center=center_code),
    # Dossiers, staff
    "dossiers_staff:cccd-parse": post("dossiers_staff:cccd-parse", {"scan": "x"}),
    "dossiers_staff:file": get("dossiers_staff:file", pk=lambda w, s: s.dossier_file.pk),
    "dossiers_staff:bulk-assign": post("dossiers_staff:bulk-assign", {"codes": []}),
    "dossiers_staff:detail": get("dossiers_staff:detail", code=dossier_code),
    "dossiers_staff:decide": post("dossiers_staff:decide", {}, code=dossier_code),
    "dossiers_staff:attach": post("dossiers_staff:attach", {}, code=dossier_code),
    "dossiers_staff:return": post("dossiers_staff:return", {}, code=dossier_code),
    "dossiers_staff:form-pdf": get(
        "dossiers_staff:form-pdf", code=dossier_code, pk=lambda w, s: s.form.pk
    ),
    "dossiers_staff:act": post(
        "dossiers_staff:act", {}, code=dossier_code, action=lambda w, s: "assign"
    ),
    "dossiers_staff:form05": get("dossiers_staff:form05", code=dossier_code),
    # Catalog
    "catalog:detail": get("catalog:detail", code=lambda w, s: PROCEDURE_CODE),
    "catalog:kiosk-lookup": get("catalog:kiosk-lookup", center=center_code),
    "catalog:kiosk-procedure": get(
        "catalog:kiosk-procedure", center=center_code, code=lambda w, s: PROCEDURE_CODE
    ),
    # Notifications
    "notifications:message-detail": get(
        "notifications:message-detail", pk=lambda w, s: s.message.pk
    ),
    "notifications:message-retry": post(
        "notifications:message-retry", pk=lambda w, s: s.message.pk
    ),
    "notifications:template-edit": get(
        "notifications:template-edit",
        center=center_code,
        kind=lambda w, s: "dossier_received",
        channel=lambda w, s: "sms",
        language=lambda w, s: "vi",
    ),
    "notifications:opt-out": get("notifications:opt-out", token=lambda w, s: w.opt_out_token),
    # Integrations
    "integrations:outbox-retry": post("integrations:outbox-retry", pk=lambda w, s: s.outbox.pk),
    # Queue screens
    "queue_screens:device-pair": post("queue_screens:device-pair", {"token": "sai"}),
    "queue_screens:device-unpair": post("queue_screens:device-unpair"),
    "queue_screens:kiosk": get("queue_screens:kiosk", center=center_code),
    "queue_screens:kiosk-ticket": get(
        "queue_screens:kiosk-ticket", center=center_code, token=ticket_token
    ),
    "queue_screens:kiosk-service": post(
        "queue_screens:kiosk-service", center=center_code, service_code=lambda w, s: "ho-tich"
    ),
    "queue_screens:counter": get("queue_screens:counter", counter_id=counter_id),
    "queue_screens:counter-act": post(
        "queue_screens:counter-act", {"action": "recall"}, counter_id=counter_id
    ),
    "queue_screens:counter-waiting": get("queue_screens:counter-waiting", counter_id=counter_id),
    "queue_screens:terminal": get("queue_screens:terminal", counter_id=counter_id),
    "queue_screens:terminal-act": post(
        "queue_screens:terminal-act", {"action": "recall"}, counter_id=counter_id
    ),
    "queue_screens:terminal-waiting": get("queue_screens:terminal-waiting", counter_id=counter_id),
    "display:screen": get("display:screen", center_code=center_code),
    "queueing:call-voice": get(
        "queueing:call-voice",
        center=center_code,
        display=lambda w, s: s.ticket.display,
        counter=lambda w, s: s.counter.number,
        language=lambda w, s: "vi",
    ),
    "queueing:ticket-page": get("queueing:ticket-page", token=ticket_token),
    "queueing:remote": get("queueing:remote", center=center_code),
    # Reports
    "reporting:center": get("reporting:center", code=center_code),
    "reporting:center-today": get("reporting:center-today", code=center_code),
    "reporting:monthly-pdf": get("reporting:monthly-pdf", code=center_code),
    "reporting:center-xlsx": get(
        "reporting:center-xlsx", code=center_code, name=lambda w, s: "all"
    ),
    "reporting:province": get("reporting:province", code=province_code),
    "reporting:province-xlsx": get(
        "reporting:province-xlsx", code=province_code, name=lambda w, s: "all"
    ),
    "reporting:public-center": get("reporting:public-center", code=center_code),
    "reporting:public-province": get("reporting:public-province", code=province_code),
    # The admin's pages that take more than an object id
    "admin:logout": post("admin:logout"),
    "admin:app_list": get("admin:app_list", app_label=lambda w, s: "organization"),
    "admin:view_on_site": lambda w, s: Probe(
        "GET",
        reverse(
            "admin:view_on_site",
            args=[ContentType.objects.get_for_model(Center).pk, s.center.pk],
        ),
    ),
    ADMIN_CATCH_ALL: lambda w, s: Probe("GET", "/admin/nothing-here/"),
}


# --- Enumeration ---------------------------------------------------------------------------


def _walk(patterns: list, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield full or prefix + str(pattern.pattern), prefix + str(pattern.pattern), pattern


def routes() -> dict[str, str]:
    """Every route of the site: name (or pattern when unnamed) -> pattern."""
    found: dict[str, str] = {}
    for key, path, _pattern in _walk(get_resolver().url_patterns):
        found.setdefault(key, path)
    return found


# Log-in pages: staff, the admin, and the citizen's dossier lookup (code and secret).
LOGIN_PATHS = ("/staff/login/", "/admin/login/", "/dossiers/track/")
# The admin answers an object it will not show (not found, or not in the user's scope) with a
# redirect to its index and a message.
ADMIN_INDEX = "/admin/"


def verdict(status: int, location: str) -> str:
    """ "deny", "allow", or "error" (a server error, or a method the probe got wrong)."""
    if status in (401, 403, 404):
        return "deny"
    if status in (301, 302, 303):
        target = location.split("?")[0]
        if target.endswith(LOGIN_PATHS) or target == ADMIN_INDEX:
            return "deny"
    if status >= 500 or status == 405:
        return "error"
    return "allow"


def client_for(world: World, identity: str) -> Client:
    client = Client(raise_request_exception=False)
    if identity in STAFF:
        client.force_login(world.users[identity])
    elif identity in DEVICES:
        client.defaults["HTTP_X_DEVICE_TOKEN"] = world.devices[identity]
    return client


def ask(world: World, client: Client, probe: Probe) -> tuple[int, str]:
    """One request, with the rate-limit counts forgotten before it."""
    rate_limit_reset()
    kwargs: dict[str, Any] = {"headers": probe.headers}
    if probe.content_type:
        kwargs["content_type"] = probe.content_type
    if probe.method == "GET":
        response = client.get(probe.path, **kwargs)
    else:
        response = getattr(client, probe.method.lower())(probe.path, probe.data, **kwargs)
    streamed = getattr(response, "file_to_stream", None)
    if streamed is not None:
        # (response.close() would also end the "request" and close the test's connection)
        streamed.close()
    return response.status_code, response.get("Location", "")


def admin_models() -> dict[str, type]:
    """ "app_model" (as in the admin's URL names) -> model, for every registered model."""
    from django.contrib import admin

    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def admin_object(side: Side, model: type) -> Any:
    name = model._meta.model_name
    fields = {f.name for f in model._meta.get_fields()}
    if name == "center":
        return side.center
    if name == "province":
        return side.province
    if name == "user":
        return side.receptionist
    if name == "membership":
        return side.receptionist.memberships.first()
    if "center" in fields:
        return model._default_manager.filter(center=side.center).first()
    if "dossier" in fields:
        return model._default_manager.filter(dossier__center=side.center).first()
    return model._default_manager.first()


ADMIN_OBJECT_VIEWS = ("_password_change", "_change", "_delete", "_history")


def admin_probe(key: str) -> ProbeFn | None:
    """The admin's object pages: with the object of the side's center (when the world has
    one of that model), else with an id that does not exist."""
    models = admin_models()
    for suffix in ADMIN_OBJECT_VIEWS:
        stem = key.removeprefix("admin:").removesuffix(suffix)
        if key.startswith("admin:") and key.endswith(suffix) and stem in models:
            model = models[stem]

            def probe(w: World, s: Side, model: type = model) -> Probe:
                obj = admin_object(s, model)
                return Probe("GET", reverse(key, args=[obj.pk if obj is not None else 999999]))

            return probe
    return None


def observe(world: World, key: str) -> dict[tuple[str, str], tuple[str, int]]:
    """(identity, "own"/"other") -> (verdict, status) for one route."""
    access = declared(key)
    assert access is not None, key
    probe_fn = PROBES.get(key) or admin_probe(key)
    if probe_fn is None and key.endswith(ADMIN_OLD_CHANGE_URL):
        path = "/" + key.replace(ADMIN_OLD_CHANGE_URL, "1/")
        probe_fn = lambda w, s: Probe("GET", path)  # noqa: E731
    probe_fn = probe_fn or get(key)
    sides = [("own", world.a), ("other", world.b)] if access.scoped else [("own", world.a)]
    seen = {}
    for identity in IDENTITIES:
        client = client_for(world, identity)
        for which, side in sides:
            status, location = ask(world, client, probe_fn(world, side))
            seen[(identity, which)] = (verdict(status, location), status)
    return seen


# The Django admin: center and province admins (is_staff) only, each model scoped to their
# centers (another center's object is "not found"); the rest is the superuser's. Object pages
# of a model the world has no row of are asked with a missing id.
ADMIN_PAGES = [
    "admin:app_list",
    "admin:appointments_appointment_change",
    "admin:appointments_appointment_changelist",
    "admin:appointments_appointment_history",
    "admin:appointments_availability_add",
    "admin:appointments_availability_change",
    "admin:appointments_availability_changelist",
    "admin:appointments_availability_delete",
    "admin:appointments_availability_history",
    "admin:appointments_bookingpolicy_add",
    "admin:appointments_bookingpolicy_change",
    "admin:appointments_bookingpolicy_changelist",
    "admin:appointments_bookingpolicy_delete",
    "admin:appointments_bookingpolicy_history",
    "admin:appointments_closure_add",
    "admin:appointments_closure_changelist",
    "admin:auth_user_add",
    "admin:auth_user_change",
    "admin:auth_user_changelist",
    "admin:auth_user_history",
    "admin:auth_user_password_change",
    "admin:catalog_centerprocedure_add",
    "admin:catalog_centerprocedure_change",
    "admin:catalog_centerprocedure_changelist",
    "admin:catalog_centerprocedure_delete",
    "admin:catalog_centerprocedure_history",
    "admin:catalog_field_changelist",
    "admin:catalog_procedure_changelist",
    "admin:dossiers_dossierpolicy_add",
    "admin:dossiers_dossierpolicy_changelist",
    "admin:feedback_surveyquestion_add",
    "admin:feedback_surveyquestion_changelist",
    "admin:index",
    "admin:integrations_centercertificate_add",
    "admin:integrations_centercertificate_changelist",
    "admin:integrations_webhooksubscription_add",
    "admin:integrations_webhooksubscription_changelist",
    "admin:jsi18n",
    "admin:organization_center_change",
    "admin:organization_center_changelist",
    "admin:organization_center_delete",
    "admin:organization_center_history",
    "admin:organization_counter_add",
    "admin:organization_counter_change",
    "admin:organization_counter_changelist",
    "admin:organization_counter_delete",
    "admin:organization_counter_history",
    "admin:organization_department_add",
    "admin:organization_department_change",
    "admin:organization_department_changelist",
    "admin:organization_department_delete",
    "admin:organization_department_history",
    "admin:organization_devicetoken_add",
    "admin:organization_devicetoken_change",
    "admin:organization_devicetoken_changelist",
    "admin:organization_devicetoken_delete",
    "admin:organization_devicetoken_history",
    "admin:organization_membership_add",
    "admin:organization_membership_change",
    "admin:organization_membership_changelist",
    "admin:organization_membership_delete",
    "admin:organization_membership_history",
    "admin:password_change",
    "admin:password_change_done",
    "admin:queueing_prioritygroup_add",
    "admin:queueing_prioritygroup_changelist",
    "admin:queueing_queuepolicy_add",
    "admin:queueing_queuepolicy_change",
    "admin:queueing_queuepolicy_changelist",
    "admin:queueing_queuepolicy_delete",
    "admin:queueing_queuepolicy_history",
    "admin:queueing_queueservice_add",
    "admin:queueing_queueservice_change",
    "admin:queueing_queueservice_changelist",
    "admin:queueing_queueservice_delete",
    "admin:queueing_queueservice_history",
    "admin:queueing_ticket_change",
    "admin:queueing_ticket_changelist",
    "admin:queueing_ticket_history",
    "admin:workcalendar_calendaroverride_add",
    "admin:workcalendar_calendaroverride_changelist",
]
ADMIN_NATIONAL_CATALOG = [  # read-only views of the national catalog, the same for every center
    "admin:catalog_field_change",
    "admin:catalog_field_history",
    "admin:catalog_procedure_change",
    "admin:catalog_procedure_history",
]
ADMIN_SUPERUSER_ONLY = [
    "admin:appointments_appointment_add",
    "admin:appointments_appointment_delete",
    "admin:appointments_closure_change",
    "admin:appointments_closure_delete",
    "admin:appointments_closure_history",
    "admin:audit_auditentry_add",
    "admin:audit_auditentry_change",
    "admin:audit_auditentry_changelist",
    "admin:audit_auditentry_delete",
    "admin:audit_auditentry_history",
    "admin:auth_group_add",
    "admin:auth_group_change",
    "admin:auth_group_changelist",
    "admin:auth_group_delete",
    "admin:auth_group_history",
    "admin:auth_user_delete",
    "admin:autocomplete",
    "admin:catalog_field_add",
    "admin:catalog_field_delete",
    "admin:catalog_procedure_add",
    "admin:catalog_procedure_delete",
    "admin:django_tasks_database_dbtaskresult_add",
    "admin:django_tasks_database_dbtaskresult_change",
    "admin:django_tasks_database_dbtaskresult_changelist",
    "admin:django_tasks_database_dbtaskresult_delete",
    "admin:django_tasks_database_dbtaskresult_history",
    "admin:dossiers_dossierpolicy_change",
    "admin:dossiers_dossierpolicy_delete",
    "admin:dossiers_dossierpolicy_history",
    "admin:feedback_surveyquestion_change",
    "admin:feedback_surveyquestion_delete",
    "admin:feedback_surveyquestion_history",
    "admin:integrations_centercertificate_change",
    "admin:integrations_centercertificate_delete",
    "admin:integrations_centercertificate_history",
    "admin:integrations_outboxitem_add",
    "admin:integrations_outboxitem_change",
    "admin:integrations_outboxitem_changelist",
    "admin:integrations_outboxitem_delete",
    "admin:integrations_outboxitem_history",
    "admin:integrations_portalinbound_add",
    "admin:integrations_portalinbound_change",
    "admin:integrations_portalinbound_changelist",
    "admin:integrations_portalinbound_delete",
    "admin:integrations_portalinbound_history",
    "admin:integrations_webhooksubscription_change",
    "admin:integrations_webhooksubscription_delete",
    "admin:integrations_webhooksubscription_history",
    "admin:notifications_message_add",
    "admin:notifications_message_change",
    "admin:notifications_message_changelist",
    "admin:notifications_message_delete",
    "admin:notifications_message_history",
    "admin:notifications_optout_add",
    "admin:notifications_optout_change",
    "admin:notifications_optout_changelist",
    "admin:notifications_optout_delete",
    "admin:notifications_optout_history",
    "admin:organization_province_add",
    "admin:organization_province_change",
    "admin:organization_province_changelist",
    "admin:organization_province_delete",
    "admin:organization_province_history",
    "admin:queueing_prioritygroup_change",
    "admin:queueing_prioritygroup_delete",
    "admin:queueing_prioritygroup_history",
    "admin:queueing_ticket_add",
    "admin:queueing_ticket_delete",
    "admin:view_on_site",
    "admin:workcalendar_calendaroverride_change",
    "admin:workcalendar_calendaroverride_delete",
    "admin:workcalendar_calendaroverride_history",
]
ADMIN_MATRIX: dict[str, Access] = {
    **{key: only(CA, PA, scoped=admin_probe(key) is not None) for key in ADMIN_PAGES},
    **{key: only(CA, PA, other=ADMINS) for key in ADMIN_NATIONAL_CATALOG},
    **{
        key: nobody("superuser only", scoped=admin_probe(key) is not None)
        for key in ADMIN_SUPERUSER_ONLY
    },
    "admin:organization_center_add": only(PA, scoped=False, note="province admins create centers"),
    "admin:login": only(*(EVERYONE - ADMINS), scoped=False, note="admins are sent on to the index"),
    "admin:logout": nobody("answers with a redirect to the log-in page"),
    ADMIN_CATCH_ALL: nobody("unknown admin addresses"),
}
# The admin's unnamed "<app>/<model>/<id>/" addresses only redirect to ".../<id>/change/"
# (declared above); the redirect itself is given to the admin's users.
ADMIN_OLD_CHANGE_URL = "<path:object_id>/"


def declared(key: str) -> Access | None:
    if key.startswith("admin/") and key.endswith(ADMIN_OLD_CHANGE_URL):
        return only(CA, PA, scoped=False, note="a redirect to the change page, for admins")
    return MATRIX.get(key) or ADMIN_MATRIX.get(key)


def expected(access: Access, identity: str, which: str) -> str:
    allowed = access.allow if which == "own" else access.other
    return "allow" if identity in allowed else "deny"


# --- Tests ---------------------------------------------------------------------------------


def test_every_route_is_declared():
    """Deny by default: a route nobody declared fails (add it to MATRIX with who may use it)."""
    missing = sorted(f"{key}  ({path})" for key, path in routes().items() if not declared(key))
    assert not missing, "routes missing from the authorization matrix:\n" + "\n".join(missing)
    stale = sorted(set(MATRIX) | set(ADMIN_MATRIX) - set(routes()))
    stale = [key for key in stale if key not in routes()]
    assert not stale, f"declared routes that no longer exist: {stale}"


def api_operations() -> dict[str, list[str]]:
    """The API's operations, from django-ninja itself: "api:<url name>" -> HTTP methods."""
    from motcua.conf.api import api as ninja_api

    found: dict[str, list[str]] = {}
    for _prefix, router in ninja_api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "") or operation.view_func.__name__
                found.setdefault(f"api:{name}", []).extend(operation.methods)
    return found


def test_every_api_operation_is_declared():
    operations = api_operations()
    assert len(operations) >= 30
    missing = sorted(key for key in operations if key not in MATRIX or key not in PROBES)
    assert not missing, f"API operations missing from the matrix (or without a probe): {missing}"


def test_authorization_matrix():
    """Every declared route, every identity, own center and other center."""
    mismatches: list[str] = []
    operations = api_operations()
    with time_machine.travel(OPEN, tick=True):
        world = build_world()
        for key in routes():
            access = declared(key)
            assert access is not None, key
            if key in operations:
                method = PROBES[key](world, world.a).method
                assert method in operations[key], f"{key} is probed with {method}"
            seen = observe(world, key)
            for (identity, which), (verdict_seen, status) in sorted(seen.items()):
                want = expected(access, identity, which)
                if verdict_seen != want:
                    mismatches.append(
                        f"{key} as {identity} ({which} center): expected {want}, "
                        f"got {verdict_seen} (HTTP {status})"
                    )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
