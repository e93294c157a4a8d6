"""Public pages: rating a ticket (phone) or a dossier (the QR link on form 01 and in the
result notice), the suggestion box, following a submission, and a center's published answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from motcua.dossiers.selectors import dossier_from_tracking_token
from motcua.dossiers.workflow import RESULT_READY
from motcua.errors import InvalidInput, NotFound, ServiceError
from motcua.feedback import selectors, services
from motcua.feedback.forms import feedback_input, rating_input
from motcua.feedback.models import Feedback, Rating, Reason, Score
from motcua.organization.selectors import center_list_public
from motcua.queueing.models import Ticket
from motcua.ratelimit import RateLimited, client_ip, rate_limit_hit


def _limit(request: HttpRequest, scope: str, setting: tuple[int, int]) -> None:
    if request.user.is_authenticated:
        return
    limit, window = setting
    rate_limit_hit(scope, client_ip(request), limit=limit, window=window)


def _rating_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "scores": Score.choices,
        "reasons": Reason.choices,
        "chosen": request.POST.get("score", ""),
        "chosen_reasons": request.POST.getlist("reasons"),
        "comment": request.POST.get("comment", ""),
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def rate_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """From the ticket's phone page: rate the service just received."""
    ticket = (
        Ticket.objects.select_related("center", "counter", "service").filter(token=token).first()
    )
    if ticket is None:
        return render(request, "feedback/rate_gone.html", status=404)
    context = _rating_context(request, ticket=ticket, center=ticket.center)
    if request.method == "POST":
        try:
            _limit(request, "rating", settings.RATING_LIMIT)
            services.rating_for_ticket(
                token=token, data=rating_input(request.POST), channel=Rating.Channel.LINK
            )
        except ServiceError as error:
            context["error"] = error.message
            if error.code == "already_rated":
                context["done"] = True
            return render(request, "feedback/rate_ticket.html", context, status=error.status)
        context["done"] = True
        context["thanks"] = True
    elif hasattr(ticket, "rating"):
        context["done"] = True
    return render(request, "feedback/rate_ticket.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def rate_dossier(request: HttpRequest, token: str) -> HttpResponse:
    """The dossier survey, opened from the QR code of form 01 or the result notice; the
    4-digit secret (last digits of the ID number or phone) confirms it is the applicant."""
    try:
        dossier = dossier_from_tracking_token(token)
    except NotFound:
        return render(request, "feedback/rate_gone.html", status=404)
    questions = selectors.survey_questions(center=dossier.center)
    context = _rating_context(
        request,
        dossier=dossier,
        dossier_token=token,
        center=dossier.center,
        questions=questions,
        answers={k[2:]: v for k, v in request.POST.items() if k.startswith("q_")},
        secret=request.POST.get("secret", ""),
        ready=dossier.status in RESULT_READY,
        done=Rating.objects.filter(dossier=dossier, kind=Rating.Kind.DOSSIER).exists(),
    )
    if request.method == "POST" and not context["done"]:
        try:
            _limit(request, "rating", settings.RATING_LIMIT)
            services.rating_for_dossier(
                code=dossier.code,
                secret=request.POST.get("secret", ""),
                data=rating_input(request.POST),
                channel=Rating.Channel.LINK,
            )
        except ServiceError as error:
            context["error"] = error.message
            context["done"] = error.code == "already_rated"
            return render(request, "feedback/rate_dossier.html", context, status=error.status)
        context["done"] = True
        context["thanks"] = True
    return render(request, "feedback/rate_dossier.html", context)


# --- Suggestion box ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    centers = list(center_list_public().order_by("name"))
    chosen = request.POST.get("center") or request.GET.get("center", "")
    context: dict[str, Any] = {
        "centers": centers,
        "chosen_center": chosen,
        "categories": Feedback.Category.choices,
        "values": request.POST,
        "errors": {},
    }
    if request.method == "POST":
        center = next((c for c in centers if c.code == chosen), None)
        data = feedback_input(request.POST)
        # The form's own fields first, so that every message shows at once with the others.
        missing: dict[str, str] = {}
        if center is None:
            missing["center"] = _("Hãy chọn trung tâm.")
        if not request.POST.get("consent"):
            missing["consent"] = _("Hãy đồng ý để trung tâm xử lý thông tin ông/bà gửi.")
        try:
            if center is None or missing:
                services.feedback_validate(data=data)
                raise InvalidInput(
                    _("Hãy kiểm tra lại các ô được đánh dấu."), code="invalid_input", errors={}
                )
            _limit(request, "feedback-submit", settings.FEEDBACK_SUBMIT_LIMIT)
            item = services.feedback_submit(center=center, data=data)
        except RateLimited as error:
            context["error"] = error.message
            return render(request, "feedback/submit.html", context, status=429)
        except ServiceError as error:
            context["error"] = error.message
            context["errors"] = {**error.details.get("errors", {}), **missing}
            return render(request, "feedback/submit.html", context, status=error.status)
        return render(
            request,
            "feedback/submitted.html",
            {"item": item, "follow_url": reverse("feedback_public:follow") + f"?code={item.code}"},
        )
    return render(request, "feedback/submit.html", context)


@never_cache
@require_GET
def follow(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    context: dict[str, Any] = {"code": code}
    status = 200
    if code:
        try:
            _limit(request, "feedback-lookup", settings.FEEDBACK_LOOKUP_LIMIT)
            item = selectors.feedback_public(code=code)
            context["item"] = item
            context["events"] = list(item.events.order_by("at", "id"))
        except ServiceError as error:
            context["error"] = error.message
            status = error.status
    return render(request, "feedback/follow.html", context, status=status)


@require_GET
def answers(request: HttpRequest, center: str) -> HttpResponse:
    """A center's published answers (the public questions and answers; no contact details)."""
    center_obj = center_list_public().filter(code=center).first()
    if center_obj is None:
        return render(request, "feedback/rate_gone.html", status=404)
    items = selectors.feedback_published(center=center_obj, limit=50)
    return render(request, "feedback/answers.html", {"center": center_obj, "items": items})
