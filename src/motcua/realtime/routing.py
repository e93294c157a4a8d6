"""Websocket URL patterns; each app adds its consumers here."""

from django.urls import path

from motcua.realtime.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping", PingConsumer.as_asgi()),
]
