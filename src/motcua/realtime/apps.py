from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "motcua.realtime"
    label = "realtime"
    verbose_name = "Realtime"
