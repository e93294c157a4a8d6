"""Staff pages of the outbox (delivery status, retry, templates with preview) and the public
opt-out page."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.errors import NotAllowed, ServiceError
from motcua.notifications.defaults import SAMPLE_CONTEXT
from motcua.notifications.models import ChannelKind, Kind, Message, MessageTemplate
from motcua.notifications.selectors import message_get, message_list
from motcua.notifications.services import (
    message_retry,
    message_template_reset,
    message_template_save,
    recipient_from_opt_out_token,
    recipient_opt_out,
    template_render,
    template_text,
)
from motcua.organization.models import Center
from motcua.organization.selectors import ADMIN_ROLES, center_list_for_user


def _user(request: HttpRequest) -> User:
    """Behind log-in: the request's user is a real one."""
    return cast(User, request.user)


@login_required
def message_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Message.Status.values:
        status = ""
    page = Paginator(message_list(user=_user(request), status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/message_list.html",
        {"page": page, "status": status, "statuses": Message.Status.choices},
    )


@login_required
def message_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    message = message_get(user=_user(request), pk=pk)
    if message is None:
        raise Http404
    return render(request, "notifications/message_detail.html", {"message": message})


@login_required
@require_POST
def message_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = message_get(user=_user(request), pk=pk)
    if message is None:
        raise Http404
    try:
        message_retry(actor=_user(request), message=message)
        flash.success(request, _("Đã đưa thông báo vào hàng gửi lại."))
    except NotAllowed as error:
        # A refusal is a 403, not a redirect with a message (docs/security.md).
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        flash.error(request, error.message)
    return redirect("notifications:message-detail", pk=pk)


def _admin_center(request: HttpRequest, code: str) -> Center:
    center = center_list_for_user(user=_user(request), roles=ADMIN_ROLES).filter(code=code).first()
    if center is None:
        raise Http404
    return center


@login_required
def template_list_page(request: HttpRequest) -> HttpResponse:
    centers = list(center_list_for_user(user=_user(request), roles=ADMIN_ROLES))
    if not centers:
        raise Http404
    center = next((c for c in centers if c.code == request.GET.get("center")), centers[0])
    own = set(
        MessageTemplate.objects.filter(center=center).values_list("kind", "channel", "language")
    )
    rows = [
        {
            "kind": kind,
            "label": label,
            "cells": [
                {"channel": channel, "language": language, "own": (kind, channel, language) in own}
                for channel in ChannelKind.values
                for language in ("vi", "en")
            ],
        }
        for kind, label in Kind.choices
    ]
    return render(
        request,
        "notifications/template_list.html",
        {"centers": centers, "center": center, "rows": rows},
    )


def _check_keys(kind: str, channel: str, language: str) -> None:
    if kind not in Kind.values or channel not in ChannelKind.values or language not in ("vi", "en"):
        raise Http404


@login_required
def template_edit_page(
    request: HttpRequest, center: str, kind: str, channel: str, language: str
) -> HttpResponse:
    center_obj = _admin_center(request, center)
    _check_keys(kind, channel, language)
    subject, body = template_text(center=center_obj, kind=kind, channel=channel, language=language)
    error = ""
    preview = None
    if request.method == "POST":
        subject = request.POST.get("subject", "")
        body = request.POST.get("body", "")
        action = request.POST.get("action", "preview")
        try:
            if action == "reset":
                message_template_reset(
                    actor=_user(request),
                    center=center_obj,
                    kind=kind,
                    channel=channel,
                    language=language,
                )
                flash.success(request, _("Đã dùng lại mẫu mặc định."))
                return redirect(request.path)
            if action == "save":
                message_template_save(
                    actor=_user(request),
                    center=center_obj,
                    kind=kind,
                    channel=channel,
                    language=language,
                    subject=subject,
                    body=body,
                )
                flash.success(request, _("Đã lưu mẫu thông báo."))
                return redirect(request.path)
            preview = _preview(center_obj, subject, body)
        except ServiceError as failure:
            error = failure.message
    else:
        preview = _preview(center_obj, subject, body)
    context = {
        "center": center_obj,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "channel": channel,
        "channel_label": ChannelKind(channel).label,
        "language": language,
        "subject": subject,
        "body": body,
        "preview": preview,
        "error": error,
        "variables": sorted(SAMPLE_CONTEXT),
        "own": MessageTemplate.objects.filter(
            center=center_obj, kind=kind, channel=channel, language=language
        ).exists(),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "notifications/_preview.html", context)
    return render(request, "notifications/template_edit.html", context)


def _preview(center: Center, subject: str, body: str) -> dict[str, str]:
    from motcua.notifications.services import template_check

    template_check(subject, body)
    rendered_subject, rendered_body = template_render(
        subject, body, SAMPLE_CONTEXT | {"center_name": center.name}
    )
    return {"subject": rendered_subject, "body": rendered_body, "length": str(len(rendered_body))}


def opt_out_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        recipient = recipient_from_opt_out_token(token)
    except ServiceError as error:
        return render(request, "notifications/opt_out.html", {"error": error.message}, status=400)
    done = False
    if request.method == "POST":
        recipient_opt_out(token=token)
        done = True
    return render(request, "notifications/opt_out.html", {"recipient": recipient, "done": done})
