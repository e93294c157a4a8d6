"""Queue screens: device pairing, the kiosk that issues tickets, the counter screen."""

from django.urls import path

from motcua.queueing import views_counter, views_kiosk

app_name = "queue_screens"

urlpatterns = [
    path("devices/pair/", views_kiosk.device_pair, name="device-pair"),
    path("devices/unpair/", views_kiosk.device_unpair, name="device-unpair"),
    # kiosk/<center>/lookup/ (catalog) is matched before these: no queue service may be "lookup".
    path("kiosk/<slug:center>/", views_kiosk.kiosk_home, name="kiosk"),
    path("kiosk/<slug:center>/ticket/<str:token>/", views_kiosk.kiosk_ticket, name="kiosk-ticket"),
    path(
        "kiosk/<slug:center>/<slug:service_code>/", views_kiosk.kiosk_service, name="kiosk-service"
    ),
    # Staff at a counter (logged in) ...
    path("staff/counter/", views_counter.counter_choose, name="counter-choose"),
    path("staff/counter/<int:counter_id>/", views_counter.counter_screen, name="counter"),
    path("staff/counter/<int:counter_id>/act/", views_counter.counter_act, name="counter-act"),
    path(
        "staff/counter/<int:counter_id>/waiting/",
        views_counter.counter_waiting,
        name="counter-waiting",
    ),
    # ... or the counter's own paired terminal (no login).
    path(
        "counter/<int:counter_id>/",
        views_counter.counter_screen,
        {"terminal": True},
        name="terminal",
    ),
    path(
        "counter/<int:counter_id>/act/",
        views_counter.counter_act,
        {"terminal": True},
        name="terminal-act",
    ),
    path(
        "counter/<int:counter_id>/waiting/",
        views_counter.counter_waiting,
        {"terminal": True},
        name="terminal-waiting",
    ),
]
