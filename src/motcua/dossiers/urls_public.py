"""Public dossier pages: online submission, tracking on the web and on the kiosk."""

from django.urls import path

from motcua.dossiers import views_public

app_name = "dossiers_public"

urlpatterns = [
    path("procedures/<str:code>/submit/", views_public.submit, name="submit"),
    path("dossiers/track/", views_public.track, name="track"),
    path("dossiers/track/<str:token>/", views_public.track_signed, name="track-signed"),
    path("dossiers/<str:code>/supplement/", views_public.supplement, name="supplement"),
    path("dossiers/<str:code>/result/<int:pk>/", views_public.result_file, name="result-file"),
    path("kiosk/<slug:center>/track/", views_public.kiosk_track, name="kiosk-track"),
]
