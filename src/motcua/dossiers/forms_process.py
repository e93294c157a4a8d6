"""Form 05 (Phiếu kiểm soát quá trình giải quyết hồ sơ, the process-control slip): the
dossier's hand-overs read from its events, issued afresh whenever it is asked for.

The slip changes as the dossier moves, so it is not issued once like forms 01–04: every request
issues a new one (its own yearly number), whose content keeps the rows as they were at that
moment and whose PDF is rendered and stored at once. What was printed can always be shown again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.catalog.models import Channel
from motcua.dossiers import forms_pdf
from motcua.dossiers.models import Dossier, DossierEvent, FormRecord, ResultDelivery
from motcua.dossiers.workflow import Action
from motcua.errors import Conflict

# The events that make a row of the slip, in the order they happened.
ROW_ACTIONS = (
    Action.ACCEPT,
    Action.FORWARD,
    Action.SEND_BACK,
    Action.APPROVE,
    Action.REQUEST_SUPPLEMENT,
    Action.RECEIVE_SUPPLEMENT,
    Action.APOLOGIZE,
    Action.MARK_PROCESSED,
    Action.RETURN_RESULT,
    Action.STOP,
    Action.WITHDRAW,
    Action.REFUSE,
)


def _person(user: User | None) -> str:
    return forms_pdf._person(user)


def _row(
    event: DossierEvent,
    *,
    step: str,
    giver_unit: str = "",
    receiver_unit: str = "",
    giver: str = "",
    receiver: str = "",
    timeliness: str = "",
    due: str = "",
    note: str = "",
) -> dict[str, Any]:
    return {
        "action": event.action,
        "at": event.at.isoformat(),
        "step": step,
        "giver_unit": giver_unit,
        "receiver_unit": receiver_unit,
        "giver": giver,
        "receiver": receiver,
        "timeliness": timeliness,
        "due": due,
        "note": note,
    }


def control_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """One row per hand-over (and per reception, supplement, apology, result and return), as
    JSON-ready values: who gave the dossier to whom, when, and whether the step given was
    finished early, on time or late against its own deadline."""
    applicant = dossier.applicant_name
    one_stop = _("Bộ phận tiếp nhận và trả kết quả")
    rows: list[dict[str, Any]] = []
    events = (
        DossierEvent.objects.filter(dossier=dossier, action__in=ROW_ACTIONS)
        .select_related("actor")
        .order_by("at", "id")
    )
    for event in events:
        data = event.data or {}
        actor = _person(event.actor)
        if event.action == Action.ACCEPT:
            how = {
                int(Channel.ONLINE): _("nộp trực tuyến"),
                int(Channel.POSTAL): _("qua bưu chính công ích"),
            }.get(dossier.channel, _("nộp trực tiếp"))
            rows.append(
                _row(
                    event,
                    step=_("Tiếp nhận hồ sơ"),
                    giver_unit=_("Người nộp hồ sơ"),
                    receiver_unit=one_stop,
                    giver=applicant,
                    receiver=actor,
                    note=how,
                )
            )
        elif data.get("from_unit"):  # forward, send back, approve with the hand-over
            step_name = str(data.get("from_name", ""))
            to_name = str(data.get("to_name", ""))
            giver_unit = _short(str(data.get("from_unit", "")), dossier, step_name)
            to_unit = _short(str(data.get("to_unit", "")), dossier, to_name)
            notes = []
            if event.action == Action.APPROVE:
                notes.append(_("Đã phê duyệt"))
            if data.get("send_back"):
                notes.append(_("Trả lại bước trước: %(reason)s") % {"reason": event.note})
            elif event.note:
                notes.append(event.note)
            rows.append(
                _row(
                    event,
                    step=step_name,
                    giver_unit=giver_unit,
                    receiver_unit=f"{to_name} ({to_unit})" if to_unit else to_name,
                    giver=str(data.get("giver", "")) or actor,
                    receiver=str(data.get("receiver", "")),
                    timeliness=str(data.get("timeliness", "")),
                    due=str(data.get("step_due_at", "")),
                    note="; ".join(notes),
                )
            )
        elif event.action == Action.APPROVE:
            rows.append(
                _row(event, step=_("Phê duyệt kết quả"), giver=actor, note=_("Đã phê duyệt"))
            )
        elif event.action == Action.REQUEST_SUPPLEMENT:
            note = "; ".join(str(item) for item in data.get("items", []))
            if data.get("late_request"):
                note += " " + _("(yêu cầu sau quá 3 ngày làm việc)")
            rows.append(
                _row(
                    event,
                    step=_("Yêu cầu bổ sung hồ sơ (tạm dừng tính thời gian)"),
                    receiver_unit=_("Người nộp hồ sơ"),
                    giver=actor,
                    receiver=applicant,
                    note=note.strip(),
                )
            )
        elif event.action == Action.RECEIVE_SUPPLEMENT:
            rows.append(
                _row(
                    event,
                    step=_("Nhận hồ sơ bổ sung"),
                    giver_unit=_("Người nộp hồ sơ"),
                    receiver_unit=one_stop,
                    giver=applicant,
                    receiver=actor,
                    note=_("Hẹn trả mới: %(due)s")
                    % {"due": forms_pdf.when_text(_parse(data.get("due_at")), dossier.center)},
                )
            )
        elif event.action == Action.APOLOGIZE:
            rows.append(
                _row(
                    event,
                    step=_("Xin lỗi và hẹn lại ngày trả kết quả (Mẫu số 04)"),
                    giver=actor,
                    receiver=applicant,
                    note=_("Hẹn lại: %(due)s")
                    % {"due": forms_pdf.when_text(_parse(data.get("new_due_at")), dossier.center)},
                )
            )
        elif event.action == Action.MARK_PROCESSED:
            rows.append(
                _row(
                    event,
                    step=_("Có kết quả giải quyết"),
                    giver=actor,
                    timeliness=str(data.get("step_timeliness", "")),
                    note=_("Hồ sơ: %(timeliness)s")
                    % {"timeliness": forms_pdf.timeliness_text(str(data.get("timeliness", "")))},
                )
            )
        elif event.action == Action.RETURN_RESULT:
            delivery = str(data.get("delivery", "") or dossier.result_delivery)
            note = str(ResultDelivery(delivery).label) if delivery in ResultDelivery.values else ""
            if data.get("postal_tracking"):
                note += f" ({data['postal_tracking']})"
            rows.append(
                _row(
                    event,
                    step=_("Trả kết quả"),
                    giver_unit=one_stop,
                    receiver_unit=_("Người nộp hồ sơ"),
                    giver=actor,
                    receiver=applicant,
                    timeliness=dossier.timeliness,
                    due=dossier.due_at.isoformat() if dossier.due_at else "",
                    note=note,
                )
            )
        else:  # stop, withdraw, refuse after review: the process ends here
            rows.append(
                _row(
                    event,
                    step=str(Action(event.action).label),
                    giver=actor,
                    note=event.note,
                )
            )
    return rows


def _short(unit: str, dossier: Dossier, step_name: str) -> str:
    """A unit as the slip shows it: the department alone inside the dossier's own center,
    nothing when the step's name says it all, the full name of another center."""
    own = dossier.center.name
    if unit == own:
        return ""
    if unit.endswith(f" – {own}"):
        unit = unit[: -len(f" – {own}")]
    return "" if unit in step_name else unit


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def form05_issue(
    *, actor: User | None, dossier: Dossier, now: datetime | None = None
) -> tuple[FormRecord, bytes]:
    """Issue form 05 as the dossier stands now: a new record (numbered per center and year)
    keeping the rows of this moment, rendered and stored at once; the record and its PDF."""
    from motcua.dossiers import services

    if dossier.accepted_at is None:
        raise Conflict(
            _("Hồ sơ chưa được tiếp nhận nên chưa có quá trình giải quyết."),
            code="not_accepted",
        )
    at = now or timezone.now()
    with translation.override("vi"):
        content = {
            "rows": control_rows(dossier),
            "status": dossier.status,
            "due_at": dossier.due_at.isoformat() if dossier.due_at else "",
            "original_due_at": (
                dossier.original_due_at.isoformat() if dossier.original_due_at else ""
            ),
            "timeliness": dossier.timeliness,
        }
    with transaction.atomic():
        record = services._issue_form(
            dossier, FormRecord.Form.CONTROL, at=at, actor=actor, content=content
        )
    return record, forms_pdf.form_pdf(record)
