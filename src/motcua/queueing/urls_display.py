"""The TV display of a center (public: ticket numbers, counters and services only)."""

from django.urls import path

from motcua.queueing import views_display

app_name = "display"

urlpatterns = [
    path("display/<slug:center_code>/", views_display.display, name="screen"),
]
