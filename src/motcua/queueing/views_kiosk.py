"""Device pairing and the kiosk that issues tickets (touch screen, thermal printer).

A kiosk is a browser paired with a kiosk device token of its center (``/devices/pair/`` sets the
signed ``motcua_device`` cookie). A member of staff logged in at the center may use the same
screens and issues tickets as staff. Anyone else sees a page saying the kiosk must be paired.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.errors import ServiceError
from motcua.organization import identity
from motcua.organization.models import Center, DeviceToken
from motcua.organization.selectors import (
    center_list_public,
    device_token_authenticate,
    user_has_role,
)
from motcua.queueing import selectors, services
from motcua.queueing.forms import PairForm
from motcua.queueing.models import PriorityGroup, QueueService, Ticket

# After this many seconds without a touch the ticket screen returns to the kiosk's start.
TICKET_SCREEN_SECONDS = 15


# --- Pairing --------------------------------------------------------------------------------


def _device_home(device: DeviceToken) -> str:
    """Where a freshly paired device starts."""
    if device.purpose == DeviceToken.Purpose.KIOSK:
        return reverse("queue_screens:kiosk", args=[device.center.code])
    if device.purpose == DeviceToken.Purpose.COUNTER_TERMINAL and device.counter_id:
        return reverse("queue_screens:terminal", args=[device.counter_id])
    if device.purpose == DeviceToken.Purpose.DISPLAY:
        return reverse("display:screen", args=[device.center.code])
    if device.purpose == DeviceToken.Purpose.RATING_TABLET and device.counter_id:
        # The feedback app's page (named, not imported: feedback is a layer above queueing).
        return reverse("feedback_tablet:tablet", args=[device.counter_id])
    return "/"


@never_cache
@require_http_methods(["GET", "POST"])
def device_pair(request: HttpRequest) -> HttpResponse:
    """Staff paste a device token (shown once in the admin) into the device's own browser."""
    current = identity.device_from_request(request)
    if request.method == "POST":
        form = PairForm(request.POST)
        if form.is_valid():
            # A token copied from a message may carry spaces or line breaks; tokens have none.
            raw = "".join(form.cleaned_data["token"].split())
            device = device_token_authenticate(raw=raw)
            if device is not None:
                response = redirect(_device_home(device))
                response.set_cookie(
                    identity.DEVICE_COOKIE,
                    identity.device_cookie_value(raw),
                    max_age=identity.DEVICE_COOKIE_MAX_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return response
            form.add_error(
                "token",
                _(
                    "Mã thiết bị không đúng hoặc đã bị thu hồi. Hãy kiểm tra lại, hoặc nhờ quản trị "
                    "trung tâm tạo mã mới."
                ),
            )
    else:
        form = PairForm()
    return render(request, "queueing/pair.html", {"form": form, "current": current})


@require_POST
def device_unpair(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("queue_screens:device-pair"))
    response.delete_cookie(identity.DEVICE_COOKIE, samesite="Lax")
    messages.success(request, _("Đã gỡ ghép thiết bị khỏi trình duyệt này."))
    return response


# --- Kiosk ----------------------------------------------------------------------------------


def _kiosk_center(code: str) -> Center:
    center = center_list_public().filter(code=code).first()
    if center is None:
        raise Http404(_("Không có trung tâm này."))
    return center


def _issuer(request: HttpRequest, center: Center) -> services.Issuer | None:
    """The kiosk of this center, or a member of its staff; None for any other browser."""
    device = identity.device_from_request(request)
    if (
        device is not None
        and device.purpose == DeviceToken.Purpose.KIOSK
        and device.center_id == center.pk
    ):
        return services.Issuer(source=Ticket.Source.KIOSK, device=device)
    user = request.user
    if user.is_authenticated and user_has_role(
        user=user, center=center, roles=services.COUNTER_ROLES
    ):
        return services.Issuer(source=Ticket.Source.STAFF, user=user)  # type: ignore[arg-type]
    return None


def _unpaired(request: HttpRequest, center: Center) -> HttpResponse:
    return render(request, "queueing/kiosk_unpaired.html", {"center": center}, status=403)


@never_cache
def kiosk_home(request: HttpRequest, center: str) -> HttpResponse:
    """One big button per service, with how many wait and the estimated wait."""
    center_obj = _kiosk_center(center)
    if _issuer(request, center_obj) is None:
        return _unpaired(request, center_obj)
    rows = selectors.service_list(center_obj)
    # Outside the hours (or on a day off) a service says so on this screen already, not only
    # after the citizen has chosen it.
    refusals = services.issuing_refusals(
        center=center_obj, service_list=[row["service"] for row in rows]
    )
    for row in rows:
        row["closed"] = refusals.get(row["service"].pk, "")
    context = {"center": center_obj, "rows": rows}
    # htmx refreshes the counts now and then (the start screen stays up all day).
    partial = request.headers.get("HX-Request") == "true"
    template = "queueing/kiosk_services.html" if partial else "queueing/kiosk.html"
    return render(request, template, context)


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_service(request: HttpRequest, center: str, service_code: str) -> HttpResponse:
    """GET: "are you in a priority group?"; POST: issue the ticket and show it."""
    center_obj = _kiosk_center(center)
    issuer = _issuer(request, center_obj)
    if issuer is None:
        return _unpaired(request, center_obj)
    service = QueueService.objects.filter(
        center=center_obj, code=service_code, is_active=True
    ).first()
    if service is None:
        raise Http404(_("Không có dịch vụ này."))
    if request.method == "POST":
        try:
            ticket = services.ticket_issue(
                issuer=issuer,
                center=center_obj,
                service_code=service.code,
                priority_group_code=request.POST.get("priority", "").strip() or None,
            )
        except ServiceError as error:
            return render(
                request,
                "queueing/kiosk_error.html",
                {"center": center_obj, "service": service, "message": error.message},
                status=error.status,
            )
        return redirect("queue_screens:kiosk-ticket", center_obj.code, ticket.token)
    groups = PriorityGroup.objects.filter(center=center_obj, is_active=True).order_by(
        "order", "name"
    )
    return render(
        request,
        "queueing/kiosk_priority.html",
        {"center": center_obj, "service": service, "groups": groups},
    )


def _qr_svg(url: str) -> str:
    import segno

    return segno.make_qr(url, error="m").svg_inline(
        scale=3, border=2, dark="#000", omitsize=True, title=url
    )


@never_cache
def kiosk_ticket(request: HttpRequest, center: str, token: str) -> HttpResponse:
    """The ticket on screen, printed at once on the kiosk's 80 mm thermal printer."""
    center_obj = _kiosk_center(center)
    if _issuer(request, center_obj) is None:
        return _unpaired(request, center_obj)
    ticket = (
        Ticket.objects.select_related("service", "priority_group")
        .filter(center=center_obj, token=token)
        .first()
    )
    if ticket is None:
        raise Http404(_("Không có phiếu này."))
    track_url = request.build_absolute_uri(reverse("queueing:ticket-page", args=[ticket.token]))
    return render(
        request,
        "queueing/kiosk_ticket.html",
        {
            "center": center_obj,
            "ticket": ticket,
            "public": selectors.ticket_public(ticket),
            "track_url": track_url,
            "qr_svg": _qr_svg(track_url),
            "idle_seconds": TICKET_SCREEN_SECONDS,
        },
    )
