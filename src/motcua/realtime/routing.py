"""Websocket URL patterns; each app adds its consumers here."""

from django.urls import path

from motcua.feedback.consumers import RatingTabletConsumer
from motcua.queueing.consumers import DisplayConsumer, TicketConsumer
from motcua.realtime.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping", PingConsumer.as_asgi()),
    path("ws/display/<slug:center_code>/", DisplayConsumer.as_asgi()),
    path("ws/ticket/<str:token>/", TicketConsumer.as_asgi()),
    path("ws/rating/<int:counter_id>/", RatingTabletConsumer.as_asgi()),
]
