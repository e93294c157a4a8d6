"""Staff page of the integrations outbox: what waits, what was delivered, and the dead-letter
list (items the portal or a webhook did not take after every retry) with "send again"."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.errors import ServiceError
from motcua.integrations.models import OutboxItem
from motcua.integrations.portal.base import portal_configured
from motcua.integrations.selectors import outbox_get, outbox_list, outbox_summary
from motcua.integrations.services import outbox_item_retry
from motcua.organization.selectors import ADMIN_ROLES, center_list_for_user


def _user(request: HttpRequest) -> User:
    """Behind log-in: the request's user is a real one."""
    return cast(User, request.user)


@never_cache
@login_required
def outbox_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not center_list_for_user(user=user, roles=ADMIN_ROLES).exists():
        raise Http404
    status = request.GET.get("status", OutboxItem.Status.DEAD)
    if status not in OutboxItem.Status.values and status != "all":
        status = OutboxItem.Status.DEAD
    summary = outbox_summary(user=user)
    page = Paginator(outbox_list(user=user, status="" if status == "all" else status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "integrations/outbox.html",
        {
            "page": page,
            "status": status,
            "tabs": [(value, label, summary[value]) for value, label in OutboxItem.Status.choices],
            "portal_configured": portal_configured(),
        },
    )


@login_required
@require_POST
def outbox_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = outbox_get(user=_user(request), pk=pk)
    if item is None:
        raise Http404
    try:
        outbox_item_retry(actor=_user(request), item=item)
        flash.success(
            request,
            _("Đã đưa mục #%(pk)s vào hàng gửi lại; máy chủ sẽ gửi trong vòng một phút.")
            % {"pk": item.pk},
        )
    except ServiceError as error:
        flash.error(request, error.message)
    return redirect(f"{reverse('integrations:outbox')}?status={request.POST.get('back', 'dead')}")
