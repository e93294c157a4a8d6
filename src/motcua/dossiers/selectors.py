"""Reads of dossiers: scoped to the acting staff member, or public by code and secret."""

from __future__ import annotations

import hmac
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from motcua.catalog.models import DocumentCase, Field, ProcedureVersion, RequiredDocument
from motcua.dossiers.models import Dossier, DossierEvent, DossierStep
from motcua.dossiers.workflow import RESULT_READY, Action, Status
from motcua.errors import NotAllowed, NotFound
from motcua.organization.models import Center, Role
from motcua.organization.selectors import center_list_for_user, center_now, user_has_role
from motcua.rowread import JoinedRead

AnyUser = User | AnonymousUser

# Who receives dossiers in person and online; who registers those that came by post.
RECEIVE_ROLES = (Role.RECEPTIONIST, Role.CENTER_ADMIN)
POSTAL_ROLES = (Role.POSTAL, Role.RECEPTIONIST, Role.CENTER_ADMIN)
# Who may see a dossier's personal data at a center (postal staff: the postal ones only).
VIEW_ROLES = (Role.RECEPTIONIST, Role.CENTER_ADMIN, Role.SPECIALIST, Role.LEADER, Role.POSTAL)
FULL_VIEW_ROLES = (Role.RECEPTIONIST, Role.CENTER_ADMIN, Role.SPECIALIST, Role.LEADER)

TRACKING_SALT = "motcua.dossiers.tracking"


# --- Checklist -----------------------------------------------------------------------------


def document_cases(version: ProcedureVersion) -> list[DocumentCase]:
    return list(version.document_cases.prefetch_related("documents").order_by("order", "id"))


def checklist_for(version: ProcedureVersion, case: int | None = None) -> list[RequiredDocument]:
    """The required documents of a version for one case: those every case needs (a case without
    a name) and those of the chosen named case (by its order; the first when none is chosen)."""
    cases = document_cases(version)
    common = [c for c in cases if not c.name.strip()]
    named = [c for c in cases if c.name.strip()]
    chosen: list[DocumentCase] = []
    if named:
        if case is None:
            chosen = [named[0]]
        else:
            chosen = [c for c in named if c.order == case] or []
            if not chosen:
                from motcua.errors import InvalidInput

                raise InvalidInput(_("Trường hợp hồ sơ không hợp lệ."), code="invalid_case")
    documents: list[RequiredDocument] = []
    for item in common + chosen:
        documents.extend(item.documents.all())
    return documents


# --- Staff ---------------------------------------------------------------------------------


def _postal_only(user: AnyUser, center: Center) -> bool:
    return not user_has_role(user=user, center=center, roles=FULL_VIEW_ROLES)


def dossier_list_for_user(
    *,
    user: AnyUser,
    center: Center | None = None,
    statuses: list[int] | None = None,
    channel: int | None = None,
    q: str = "",
) -> QuerySet[Dossier]:
    """Dossiers of the centers where the user holds a role that sees them; postal staff see
    the dossiers that came by post or leave by post."""
    full = center_list_for_user(user=user, roles=FULL_VIEW_ROLES)
    postal = center_list_for_user(user=user, roles=[Role.POSTAL])
    inter_agency = DossierStep.objects.filter(center__in=full, inter_agency=True)
    dossiers = Dossier.objects.filter(
        Q(center__in=full)
        # An inter-agency step at another center: that center's staff see the dossier.
        | Q(pk__in=inter_agency.values("dossier_id"))
        | (Q(center__in=postal) & (Q(channel=3) | Q(result_delivery="post")))
    ).select_related("center", "procedure", "procedure_version")
    if center is not None:
        dossiers = dossiers.filter(center=center)
    if statuses:
        dossiers = dossiers.filter(status__in=statuses)
    if channel:
        dossiers = dossiers.filter(channel=channel)
    text = q.strip()
    if text:
        dossiers = dossiers.filter(
            Q(code__icontains=text)
            | Q(applicant_name__icontains=text)
            | Q(id_number=text)
            | Q(phone=text)
        )
    return dossiers


def dossier_get_for_user(*, user: AnyUser, code: str) -> Dossier:
    """A dossier the user may see (the same 404 whether it does not exist or is not theirs)."""
    dossier = (
        dossier_list_for_user(user=user, q="")
        .filter(code=code)
        .select_related("received_by", "ticket")
        .first()
    )
    if dossier is None:
        raise NotFound(_("Không có hồ sơ mã “%(code)s”.") % {"code": code}, code="unknown_dossier")
    return dossier


def dossier_check_staff(*, user: AnyUser, dossier: Dossier) -> None:
    if not dossier_list_for_user(user=user).filter(pk=dossier.pk).exists():
        raise NotAllowed(_("Bạn không được xem hồ sơ này."))


# --- Public ----------------------------------------------------------------------------------


def _last4(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def secret_matches(dossier: Dossier, secret: str) -> bool:
    """The last four digits of the applicant's ID number or phone (constant-time compare)."""
    given = (secret or "").strip()
    if len(given) != 4 or not given.isdigit():
        return False
    ok = False
    for candidate in (_last4(dossier.id_number), _last4(dossier.phone)):
        if candidate and hmac.compare_digest(candidate, given):
            ok = True
    return ok


def _not_found(code: str) -> NotFound:
    return NotFound(
        _("Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập. Hãy kiểm tra lại."),
        code="dossier_not_found",
    )


# The public lookup, on every kiosk and phone that tracks a dossier: one statement compiled once
# per process (motcua.rowread), the code being unique.
_LOOKUP_READ = JoinedRead(Dossier, ["center", "procedure", "procedure_version"], "m.code = %s")


def dossier_lookup(*, code: str, secret: str) -> Dossier:
    """The dossier for the public lookup; an unknown code and a wrong secret look the same."""
    code = (code or "").strip().upper()
    dossier = _LOOKUP_READ.first([code])
    if dossier is None or not secret_matches(dossier, secret):
        raise _not_found(code)
    return dossier


def _tracking_signature(code: str) -> str:
    return salted_hmac(TRACKING_SALT, code, algorithm="sha256").hexdigest()[:16]


def tracking_token(dossier: Dossier) -> str:
    """The signed part of the link printed as a QR code on form 01 and sent by SMS: the code
    and a short keyed signature (no secret needed to open it)."""
    return f"{dossier.code}_{_tracking_signature(dossier.code)}"


def dossier_from_tracking_token(token: str) -> Dossier:
    code, _sep, signature = (token or "").rpartition("_")
    if not code or not hmac.compare_digest(signature, _tracking_signature(code)):
        raise _not_found("")
    dossier = _LOOKUP_READ.first([code])
    if dossier is None:
        raise _not_found(code)
    return dossier


def tracking_url(dossier: Dossier) -> str:
    path = reverse("dossiers_public:track-signed", kwargs={"token": tracking_token(dossier)})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def rating_url(dossier: Dossier) -> str:
    """The dossier survey's link (printed on form 01, sent with the result notice). The page
    belongs to the feedback app (a layer above): named here, never imported."""
    path = reverse("feedback_public:rate-dossier", kwargs={"token": tracking_token(dossier)})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


# What the public sees of each event (no names of officials, no notes, no personal data).
PUBLIC_ACTIONS = {
    Action.REGISTER,
    Action.ACCEPT,
    Action.REQUEST_SUPPLEMENT,
    Action.REFUSE,
    Action.SUPPLEMENT_ANSWER,
    Action.FORWARD,
    Action.SEND_BACK,
    Action.RECEIVE_SUPPLEMENT,
    Action.REQUEST_PAYMENT,
    Action.RECORD_PAYMENT,
    Action.APPROVE,
    Action.APOLOGIZE,
    Action.MARK_PROCESSED,
    Action.WITHDRAW,
    Action.STOP,
    Action.RETURN_RESULT,
}


def public_steps(dossier: Dossier) -> list[dict[str, Any]]:
    steps = []
    events = DossierEvent.objects.filter(dossier=dossier).order_by("at", "id")
    for event in events:
        if event.action not in PUBLIC_ACTIONS and event.from_status == event.to_status:
            continue
        label = (
            str(Action(event.action).label)
            if event.action in Action.values
            else str(Status(event.to_status).label)
        )
        # A hand-over says which step the dossier went to (a step's name, never a person's).
        step_name = (event.data or {}).get("to_name") if isinstance(event.data, dict) else None
        if step_name and event.action in (Action.FORWARD, Action.APPROVE, Action.SEND_BACK):
            label = f"{label}: {step_name}"
        steps.append(
            {
                "at": event.at,
                "action": event.action,
                "status": event.to_status,
                "label": label,
            }
        )
    return steps


def dossier_public(dossier: Dossier) -> dict[str, Any]:
    """The lookup's answer: where the dossier is, with no personal data."""
    supplement = None
    if dossier.status == Status.SUPPLEMENT:
        last = dossier.supplements.order_by("-requested_at", "-id").first()
        if last is not None:
            supplement = {"items": last.items, "note": last.note, "requested_at": last.requested_at}
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "procedure_code": dossier.procedure.code,
        "center": dossier.center.name,
        "channel": dossier.channel,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "received_at": dossier.received_at,
        "accepted_at": dossier.accepted_at,
        "due_at": dossier.due_at,
        "returned_at": dossier.returned_at,
        "steps": public_steps(dossier),
        "result_ready": dossier.status in RESULT_READY,
        "supplement": supplement,
        "refusal_reasons": dossier.refusal_reasons if dossier.status == 3 else "",
    }


# --- Register (form 06) -----------------------------------------------------------------------


def register_rows(
    *, user: AnyUser, center: Center, year: int, field_code: str = ""
) -> QuerySet[Dossier]:
    """The tracking register: a center's dossiers received in a year (optionally one field),
    in the order received. The year is the center's calendar year: its bounds are midnight
    of 1 January in the center's own time zone."""
    if not user_has_role(user=user, center=center, roles=FULL_VIEW_ROLES):
        raise NotAllowed(_("Bạn không được xem sổ theo dõi hồ sơ của trung tâm này."))
    zone = ZoneInfo(center.time_zone)
    rows = Dossier.objects.filter(
        center=center,
        received_at__gte=datetime(year, 1, 1, tzinfo=zone),
        received_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
    ).select_related("procedure", "procedure_version")
    if field_code:
        rows = rows.filter(procedure__fields__code=field_code)
    return rows.order_by("received_at", "id")


def register_fields(*, center: Center) -> QuerySet[Field]:
    """The fields of the procedures a center has received dossiers for (the register's filter)."""
    return Field.objects.filter(
        procedures__in=Dossier.objects.filter(center=center).values("procedure_id")
    ).distinct()


def register_years(*, center: Center) -> list[int]:
    """The calendar years (in the center's zone) from its first dossier to its last."""
    bounds = Dossier.objects.filter(center=center).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    if bounds["first"] is None:
        return []
    first = center_now(center=center, now=bounds["first"]).year
    last = center_now(center=center, now=bounds["last"]).year
    return list(range(first, last + 1))


def local_date(dossier: Dossier, value) -> date | None:
    return center_now(center=dossier.center, now=value).date() if value else None
