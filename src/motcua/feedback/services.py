"""Writes of the feedback app: ratings (tablet, link, API), their review, and the suggestion
box / hotline items with their state machine.

Every write runs in one transaction; messages (to the leader, to the citizen) are written to the
notification outbox in that transaction and sent after the commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_lookup
from motcua.dossiers.workflow import RESULT_READY
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.feedback import selectors
from motcua.feedback.models import (
    Feedback,
    FeedbackEvent,
    FeedbackSequence,
    Rating,
    Reason,
    Score,
    SurveyQuestion,
)
from motcua.feedback.workflow import NEW, Action, Status, check
from motcua.notifications.models import ChannelKind, Kind
from motcua.notifications.services import notification_enqueue
from motcua.organization.models import Center, Counter, DeviceToken, Membership, Role
from motcua.organization.selectors import center_calendar, center_now, user_has_role
from motcua.phones import VIETNAMESE, normalize_phone
from motcua.queueing.models import Ticket
from motcua.queueing.workflow import Status as TicketStatus
from motcua.workcalendar.calendar import add_working_time

COMMENT_MAX = 1000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


# --- Ratings -------------------------------------------------------------------------------


@dataclass
class RatingInput:
    score: str
    reasons: list[str] = field(default_factory=list)
    comment: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    language: str = "vi"


def _clean_rating(data: RatingInput) -> tuple[str, list[str], str]:
    if data.score not in Score.values:
        raise InvalidInput(
            _("Hãy chọn một mức: rất hài lòng, hài lòng hoặc không hài lòng."),
            code="invalid_score",
        )
    reasons = []
    for reason in data.reasons or []:
        if reason not in Reason.values:
            raise InvalidInput(_("Tiêu chí đánh giá không hợp lệ."), code="invalid_reason")
        if reason not in reasons:
            reasons.append(reason)
    comment = (data.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            _("Ý kiến dài quá %(n)d ký tự.") % {"n": COMMENT_MAX}, code="comment_too_long"
        )
    return data.score, reasons, comment


def _clean_answers(center: Center, answers: dict[str, Any]) -> dict[str, Any]:
    """The survey's answers, by question id: known questions only, values of the right kind."""
    questions = {str(q.pk): q for q in selectors.survey_questions(center=center)}
    cleaned: dict[str, Any] = {}
    for key, value in (answers or {}).items():
        question = questions.get(str(key))
        if question is None:
            raise InvalidInput(_("Câu hỏi khảo sát không hợp lệ."), code="invalid_question")
        if value in (None, ""):
            continue
        if question.kind == SurveyQuestion.Kind.SCORE and value not in Score.values:
            raise InvalidInput(
                _("Câu trả lời không hợp lệ: %(q)s") % {"q": question.text}, code="invalid_answer"
            )
        if question.kind == SurveyQuestion.Kind.YES_NO and value not in ("yes", "no"):
            raise InvalidInput(
                _("Câu trả lời không hợp lệ: %(q)s") % {"q": question.text}, code="invalid_answer"
            )
        if question.kind == SurveyQuestion.Kind.TEXT:
            value = str(value).strip()[:COMMENT_MAX]
        cleaned[str(question.pk)] = value
    for key, question in questions.items():
        if question.required and key not in cleaned:
            raise InvalidInput(
                _("Hãy trả lời câu hỏi: %(q)s") % {"q": question.text}, code="answer_required"
            )
    return cleaned


def _ticket_dossier(ticket: Ticket) -> Dossier | None:
    return Dossier.objects.filter(ticket=ticket).order_by("id").first()


def _save_rating(rating: Rating) -> Rating:
    """Insert, turning the one-per-ticket / one-per-dossier constraint into a 409."""
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        if rating.kind == Rating.Kind.SERVICE:
            message = _("Lượt phục vụ này đã được đánh giá. Cảm ơn ông/bà.")
        else:
            message = _("Hồ sơ này đã được đánh giá. Cảm ơn ông/bà.")
        raise Conflict(message, code="already_rated") from None
    if rating.score == Score.DISSATISFIED:
        _alert_leaders(rating)
    return rating


def _rate_ticket(ticket: Ticket, data: RatingInput, *, channel: str, now: datetime) -> Rating:
    score, reasons, comment = _clean_rating(data)
    if ticket.status != TicketStatus.FINISHED or ticket.finished_at is None:
        raise Conflict(_("Chỉ đánh giá được sau khi cán bộ đã phục vụ xong."), code="not_finished")
    if now - ticket.finished_at > timedelta(days=settings.RATING_TICKET_DAYS):
        raise Conflict(_("Đã quá thời hạn đánh giá lượt phục vụ này."), code="rating_expired")
    if Rating.objects.filter(ticket=ticket).exists():
        raise Conflict(_("Lượt phục vụ này đã được đánh giá. Cảm ơn ông/bà."), code="already_rated")
    dossier = _ticket_dossier(ticket)
    return _save_rating(
        Rating(
            center=ticket.center,
            kind=Rating.Kind.SERVICE,
            channel=channel,
            ticket=ticket,
            dossier=dossier,
            counter=ticket.counter,
            official=ticket.official,
            service=ticket.service,
            procedure=dossier.procedure if dossier is not None else None,
            score=score,
            reasons=reasons,
            comment=comment,
            language=data.language,
            created_at=now,
        )
    )


def rating_from_tablet(
    *, device: DeviceToken, ticket_id: int, data: RatingInput, now: datetime | None = None
) -> Rating:
    """The counter's rating tablet: the ticket must have been finished at its counter."""
    now = now or timezone.now()
    if (
        device.purpose != DeviceToken.Purpose.RATING_TABLET
        or device.counter_id is None
        or not device.is_active
    ):
        raise NotAllowed(_("Thiết bị này không phải máy đánh giá của quầy."), code="not_tablet")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_related("center", "counter", "service", "official")
            .select_for_update(of=("self",))
            .filter(pk=ticket_id, counter_id=device.counter_id)
            .first()
        )
        if ticket is None:
            raise NotFound(_("Không có lượt phục vụ này tại quầy."), code="ticket_not_found")
        return _rate_ticket(ticket, data, channel=Rating.Channel.TABLET, now=now)


def rating_for_ticket(
    *, token: str, data: RatingInput, channel: str = Rating.Channel.API, now: datetime | None = None
) -> Rating:
    """By the ticket's secret token (its QR code, the phone page, the API)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_related("center", "counter", "service", "official")
            .select_for_update(of=("self",))
            .filter(token=(token or "").strip())
            .first()
            if token
            else None
        )
        if ticket is None:
            raise NotFound(_("Không tìm thấy phiếu số này."), code="ticket_not_found")
        return _rate_ticket(ticket, data, channel=channel, now=now)


def rating_for_dossier(
    *,
    code: str,
    secret: str,
    data: RatingInput,
    channel: str = Rating.Channel.API,
    now: datetime | None = None,
) -> Rating:
    """The dossier survey: the code and the 4-digit secret; once the result is out."""
    now = now or timezone.now()
    score, reasons, comment = _clean_rating(data)
    with transaction.atomic():
        found = dossier_lookup(code=code, secret=secret)
        dossier = (
            Dossier.objects.select_related("center", "procedure", "received_by")
            .select_for_update(of=("self",))
            .get(pk=found.pk)
        )
        if dossier.status not in RESULT_READY or dossier.processed_at is None:
            raise Conflict(
                _("Hồ sơ chưa có kết quả; mời ông/bà đánh giá khi nhận kết quả."),
                code="not_finished",
            )
        if now - dossier.processed_at > timedelta(days=settings.RATING_DOSSIER_DAYS):
            raise Conflict(_("Đã quá thời hạn đánh giá hồ sơ này."), code="rating_expired")
        answers = _clean_answers(dossier.center, data.answers)
        if Rating.objects.filter(dossier=dossier, kind=Rating.Kind.DOSSIER).exists():
            raise Conflict(_("Hồ sơ này đã được đánh giá. Cảm ơn ông/bà."), code="already_rated")
        ticket = dossier.ticket
        return _save_rating(
            Rating(
                center=dossier.center,
                kind=Rating.Kind.DOSSIER,
                channel=channel,
                dossier=dossier,
                counter=ticket.counter if ticket is not None else None,
                official=dossier.received_by,
                service=ticket.service if ticket is not None else None,
                procedure=dossier.procedure,
                score=score,
                reasons=reasons,
                comment=comment,
                answers=answers,
                language=data.language,
                created_at=now,
            )
        )


def _leaders(center: Center) -> list[User]:
    ids = Membership.objects.filter(
        center=center, role__in=[Role.LEADER, Role.CENTER_ADMIN]
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).exclude(email="").order_by("pk"))


def _alert_leaders(rating: Rating) -> None:
    path = reverse("feedback_staff:rating", args=[rating.pk])
    context = {
        "score": rating.get_score_display(),
        "official": _name(rating.official),
        "counter_name": rating.counter.name if rating.counter else "",
        "dossier_code": rating.dossier.code if rating.dossier else "",
        "comment": rating.comment[:300],
        "staff_url": f"{settings.SITE_URL.rstrip('/')}{path}",
    }
    for leader in _leaders(rating.center):
        notification_enqueue(
            center=rating.center,
            kind=Kind.RATING_DISSATISFIED,
            channel=ChannelKind.EMAIL,
            recipient=leader.email,
            context=context,
            idempotency_key=f"rating:{rating.pk}:dissatisfied:{leader.pk}",
        )


def rating_review(*, actor: User, rating: Rating, note: str, now: datetime | None = None) -> Rating:
    """A leader records what was done about a dissatisfied rating (once)."""
    if not user_has_role(user=actor, center=rating.center, roles=selectors.FEEDBACK_ROLES):
        raise NotAllowed(_("Ông/bà không có quyền xem xét đánh giá này."), code="forbidden")
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Hãy ghi kết quả xem xét, xử lý."), code="note_required")
    with transaction.atomic():
        updated = Rating.objects.filter(pk=rating.pk, reviewed_at__isnull=True).update(
            reviewed_at=now or timezone.now(), reviewed_by=actor, review_note=note[:2000]
        )
        if not updated:
            raise Conflict(_("Đánh giá này đã được xem xét."), code="already_reviewed")
    rating.refresh_from_db()
    return rating


# --- Feedback (suggestion box, hotline) ------------------------------------------------------


@dataclass
class FeedbackInput:
    category: str
    subject: str
    content: str
    name: str = ""
    phone: str = ""
    email: str = ""
    dossier_code: str = ""


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _clean_feedback(data: FeedbackInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if data.category not in Feedback.Category.values:
        errors["category"] = _("Hãy chọn loại góp ý.")
    subject = " ".join((data.subject or "").split())
    content = (data.content or "").strip()
    if not subject:
        errors["subject"] = _("Hãy nhập tiêu đề.")
    elif len(subject) > 200:
        errors["subject"] = _("Tiêu đề dài quá 200 ký tự.")
    if len(content) < 10:
        errors["content"] = _("Hãy viết nội dung góp ý (ít nhất 10 ký tự).")
    elif len(content) > 5000:
        errors["content"] = _("Nội dung dài quá 5000 ký tự.")
    phone = ""
    if (data.phone or "").strip():
        phone = normalize_phone(data.phone)
        if not VIETNAMESE.match(phone):
            errors["phone"] = _("Số điện thoại không hợp lệ.")
    email = (data.email or "").strip()
    if email and ("@" not in email or len(email) > 254 or " " in email):
        errors["email"] = _("Địa chỉ thư điện tử không hợp lệ.")
    dossier = None
    code = (data.dossier_code or "").strip().upper()
    if code:
        dossier = Dossier.objects.filter(code=code).first()
        if dossier is None:
            errors["dossier_code"] = _("Không có hồ sơ với mã này.")
    if errors:
        raise InvalidInput(
            _("Hãy kiểm tra lại các ô được đánh dấu."), code="invalid_input", errors=errors
        )
    return {
        "category": data.category,
        "subject": subject,
        "content": content,
        "name": " ".join((data.name or "").split())[:200],
        "phone": phone,
        "email": email,
        "dossier": dossier,
    }


def feedback_validate(*, data: FeedbackInput) -> None:
    """Check a submission without saving it: raises :class:`InvalidInput` with every field's
    message (the form shows them all at once, also when the center or consent is missing)."""
    _clean_feedback(data)


def _event(item: Feedback, action: str, before: str, *, at, actor, note: str = "") -> None:
    FeedbackEvent.objects.create(
        feedback=item,
        action=action,
        from_status=before,
        to_status=item.status,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:2000],
    )


def follow_url(item: Feedback) -> str:
    path = reverse("feedback_public:follow")
    return f"{settings.SITE_URL.rstrip('/')}{path}?code={item.code}"


def _notify_citizen(item: Feedback, kind: str) -> None:
    local_due = center_now(center=item.center, now=item.due_at)
    context = {
        "feedback_code": item.code,
        "feedback_subject": item.subject[:120],
        "due_at_answer": f"{local_due:%H:%M %d/%m/%Y}",
        "follow_url": follow_url(item),
    }
    for channel, recipient in ((ChannelKind.SMS, item.phone), (ChannelKind.EMAIL, item.email)):
        if recipient:
            notification_enqueue(
                center=item.center,
                kind=kind,
                channel=channel,
                recipient=recipient,
                context=context,
                idempotency_key=f"feedback:{item.pk}:{kind}:{item.version}:{channel}",
            )


def feedback_submit(
    *,
    center: Center,
    data: FeedbackInput,
    source: str = Feedback.Source.ONLINE,
    actor: User | None = None,
    received_at: datetime | None = None,
    now: datetime | None = None,
) -> Feedback:
    """A citizen's submission online (anonymous allowed), or one typed in by staff from the
    paper box, a hotline call or a visit (``actor`` given, ``received_at`` when it came)."""
    now = now or timezone.now()
    if source not in Feedback.Source.values:
        raise InvalidInput(_("Nguồn góp ý không hợp lệ."), code="invalid_source")
    staff_entry = source != Feedback.Source.ONLINE
    if staff_entry and (
        actor is None
        or not user_has_role(user=actor, center=center, roles=selectors.FEEDBACK_ENTRY_ROLES)
    ):
        raise NotAllowed(_("Ông/bà không có quyền ghi nhận góp ý."), code="forbidden")
    if not center.is_active:
        raise NotFound(_("Không có trung tâm này."), code="center_not_found")
    values = _clean_feedback(data)
    received = received_at or now
    if received > now + timedelta(minutes=5):
        raise InvalidInput(_("Thời điểm nhận không được ở tương lai."), code="future_time")
    calendar = center_calendar(center=center)
    due = add_working_time(
        calendar, received, calendar.day_length * settings.FEEDBACK_ANSWER_WORKING_DAYS
    )
    year = center_now(center=center, now=received).year
    with transaction.atomic():
        FeedbackSequence.objects.get_or_create(center=center, year=year)
        FeedbackSequence.objects.filter(center=center, year=year).update(
            last_number=F("last_number") + 1
        )
        number = FeedbackSequence.objects.get(center=center, year=year).last_number
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    item = Feedback.objects.create(
                        center=center,
                        code=_new_code(),
                        number=number,
                        year=year,
                        source=source,
                        received_at=received,
                        received_by=actor,
                        due_at=due,
                        **values,
                    )
                break
            except IntegrityError:  # a code already taken (about 1 in 10^15): draw again
                continue
        else:  # pragma: no cover - practically unreachable
            raise Conflict(_("Xin thử lại."), code="retry")
        _event(item, Action.RECEIVE, NEW, at=now, actor=actor)
        _notify_citizen(item, Kind.FEEDBACK_RECEIVED)
    return item


def _assignable(center: Center, username: str) -> User:
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None or not user_has_role(
        user=user, center=center, roles=selectors.FEEDBACK_ASSIGNABLE_ROLES
    ):
        raise InvalidInput(_("Không có cán bộ này tại trung tâm."), code="invalid_assignee")
    return user


def feedback_act(
    *,
    actor: User,
    item: Feedback,
    action: str,
    version: int | None = None,
    assignee: str = "",
    answer: str = "",
    publish: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Feedback:
    """assign (to a member of staff), answer (and publish it or not), publish, unpublish,
    close (with a reason when not answered), reopen. Leaders and center admins act on any
    item of their center; the assignee may answer theirs."""
    now = now or timezone.now()
    is_manager = user_has_role(user=actor, center=item.center, roles=selectors.FEEDBACK_ROLES)
    with transaction.atomic():
        locked = Feedback.objects.select_for_update().select_related("center").get(pk=item.pk)
        is_assignee = locked.assignee_id == actor.pk
        if not (is_manager or (is_assignee and action == Action.ANSWER)):
            raise NotAllowed(_("Ông/bà không có quyền làm việc này."), code="forbidden")
        if version is not None and version != locked.version:
            raise Conflict(
                _("Góp ý vừa được người khác cập nhật. Hãy tải lại trang."), code="stale"
            )
        before = locked.status
        locked.status = check(action, locked.status)
        note = ""
        notify = ""
        if action == Action.ASSIGN:
            user = _assignable(locked.center, assignee)
            locked.assignee = user
            note = user.username
        elif action == Action.ANSWER:
            text = (answer or "").strip()
            if len(text) < 5:
                raise InvalidInput(_("Hãy viết câu trả lời."), code="answer_required")
            locked.answer = text[:5000]
            locked.answered_at = now
            locked.answered_by = actor
            locked.published = bool(publish)
            notify = Kind.FEEDBACK_ANSWERED
        elif action == Action.PUBLISH:
            locked.published = True
        elif action == Action.UNPUBLISH:
            locked.published = False
        elif action == Action.CLOSE:
            reason = (reason or "").strip()
            if before != Status.ANSWERED and not reason:
                raise InvalidInput(
                    _("Góp ý chưa được trả lời: hãy ghi lý do đóng."), code="reason_required"
                )
            locked.closed_at = now
            locked.close_reason = reason[:2000]
            note = reason
        elif action == Action.REOPEN:
            locked.closed_at = None
            locked.published = False
            if locked.assignee is None:
                locked.assignee = actor
            note = (reason or "").strip()
        locked.version += 1
        locked.save()
        _event(locked, action, before, at=now, actor=actor, note=note)
        if notify:
            _notify_citizen(locked, notify)
    return locked


def feedback_anonymize(*, before: datetime) -> int:
    """Remove contact details of items closed before ``before`` (retention; docs/feedback.md)."""
    return (
        Feedback.objects.filter(status=Status.CLOSED, closed_at__lt=before)
        .exclude(name="", phone="", email="")
        .update(name="", phone="", email="")
    )


def tablet_pending(*, counter: Counter, now: datetime | None = None) -> Ticket | None:
    """The ticket the counter's tablet should ask about: finished at this counter in the last
    ``RATING_TABLET_SECONDS`` and not rated yet (the tablet's fallback when its websocket is
    down: it asks every few seconds)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.RATING_TABLET_SECONDS)
    return (
        Ticket.objects.filter(
            counter=counter,
            status=TicketStatus.FINISHED,
            finished_at__gte=since,
            rating__isnull=True,
        )
        .select_related("official", "service")
        .order_by("-finished_at")
        .first()
    )
