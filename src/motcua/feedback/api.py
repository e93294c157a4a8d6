"""Ratings and feedback API.

``POST /api/v1/ratings`` with ``{"ticket": TOKEN}`` or ``{"dossier": CODE, "secret": "1234"}``,
``"score"`` (very_satisfied | satisfied | dissatisfied), ``"reasons"`` and ``"comment"``
→ 201; a second rating of the same ticket or dossier → 409 ``already_rated``.
``POST /api/v1/feedback`` (anonymous allowed) → 201 with the follow-up code;
``GET /api/v1/feedback/{code}`` → its status and, once given, the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from motcua.errors import InvalidInput, NotFound
from motcua.feedback import selectors, services
from motcua.feedback.models import Feedback, Rating
from motcua.organization.identity import caller
from motcua.organization.selectors import center_list_public
from motcua.ratelimit import client_ip, rate_limit_hit

router = Router(tags=["feedback"])


class ErrorOut(Schema):
    code: str
    message: str


def _limit(request: HttpRequest, scope: str, setting: tuple[int, int]) -> None:
    """Public callers are limited per address; staff and paired devices are not."""
    who = caller(request)
    if who.user is None and who.device is None:
        limit, window = setting
        rate_limit_hit(scope, client_ip(request), limit=limit, window=window)


class RatingIn(Schema):
    ticket: str | None = None
    dossier: str | None = None
    secret: str | None = None
    score: str
    reasons: list[str] = []
    comment: str = ""
    answers: dict[str, Any] = {}
    language: str = "vi"


class RatingOut(Schema):
    id: int
    kind: str
    score: str
    reasons: list[str]
    center: str
    ticket: str | None
    dossier: str | None
    created_at: datetime


@router.post(
    "ratings",
    response={201: RatingOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=None,
)
def rating_create(request: HttpRequest, payload: RatingIn) -> Status:
    _limit(request, "rating", settings.RATING_LIMIT)
    data = services.RatingInput(
        score=payload.score,
        reasons=payload.reasons,
        comment=payload.comment,
        answers=payload.answers,
        language=payload.language if payload.language in ("vi", "en") else "vi",
    )
    if payload.ticket and payload.dossier:
        raise InvalidInput(
            _("Chỉ đánh giá một phiếu số hoặc một hồ sơ mỗi lần."), code="ticket_or_dossier"
        )
    if payload.ticket:
        rating = services.rating_for_ticket(token=payload.ticket, data=data)
    elif payload.dossier:
        rating = services.rating_for_dossier(
            code=payload.dossier, secret=payload.secret or "", data=data
        )
    else:
        raise InvalidInput(
            _("Hãy cho biết phiếu số (ticket) hoặc hồ sơ (dossier) được đánh giá."),
            code="ticket_or_dossier",
        )
    return Status(201, _rating_out(rating))


def _rating_out(rating: Rating) -> RatingOut:
    zone = ZoneInfo(rating.center.time_zone)
    return RatingOut(
        id=rating.pk,
        kind=rating.kind,
        score=rating.score,
        reasons=rating.reasons,
        center=rating.center.code,
        ticket=rating.ticket.display if rating.ticket else None,
        dossier=rating.dossier.code
        if rating.kind == Rating.Kind.DOSSIER and rating.dossier
        else None,
        created_at=rating.created_at.astimezone(zone),
    )


class FeedbackIn(Schema):
    center: str
    category: str
    subject: str
    content: str
    name: str = ""
    phone: str = ""
    email: str = ""
    dossier_code: str = ""


class FeedbackOut(Schema):
    code: str
    center: str
    category: str
    status: str
    status_label: str
    subject: str
    received_at: datetime
    due_at: datetime
    answer: str | None
    answered_at: datetime | None


def _feedback_out(item: Feedback) -> FeedbackOut:
    zone = ZoneInfo(item.center.time_zone)
    answered = item.answered_at is not None
    return FeedbackOut(
        code=item.code,
        center=item.center.code,
        category=item.category,
        status=item.status,
        status_label=str(item.get_status_display()),
        subject=item.subject,
        received_at=item.received_at.astimezone(zone),
        due_at=item.due_at.astimezone(zone),
        answer=item.answer if answered else None,
        answered_at=item.answered_at.astimezone(zone) if item.answered_at else None,
    )


@router.post(
    "feedback",
    response={201: FeedbackOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=None,
)
def feedback_create(request: HttpRequest, payload: FeedbackIn) -> Status:
    """A suggestion or complaint from a citizen (anonymous allowed)."""
    _limit(request, "feedback-submit", settings.FEEDBACK_SUBMIT_LIMIT)
    center = center_list_public().filter(code=payload.center).first()
    if center is None:
        raise NotFound(_("Không có trung tâm này."), code="center_not_found")
    item = services.feedback_submit(
        center=center,
        data=services.FeedbackInput(
            category=payload.category,
            subject=payload.subject,
            content=payload.content,
            name=payload.name,
            phone=payload.phone,
            email=payload.email,
            dossier_code=payload.dossier_code,
        ),
    )
    return Status(201, _feedback_out(item))


@router.get("feedback/{code}", response={200: FeedbackOut, 404: ErrorOut, 429: ErrorOut}, auth=None)
def feedback_follow(request: HttpRequest, code: str) -> FeedbackOut:
    _limit(request, "feedback-lookup", settings.FEEDBACK_LOOKUP_LIMIT)
    return _feedback_out(selectors.feedback_public(code=code))
