from django.urls import path

from motcua.queueing import views, views_remote

app_name = "queueing"

urlpatterns = [
    path(
        "voice/call/<slug:center>/<str:display>/<int:counter>/<str:language>.wav",
        views.call_voice,
        name="call-voice",
    ),
    path("t/<str:token>/", views.ticket_page, name="ticket-page"),
    path("queue/<slug:center>/", views_remote.remote_ticket, name="remote"),
]
