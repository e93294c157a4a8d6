from django.urls import path

from motcua.catalog import views

app_name = "catalog"

urlpatterns = [
    path("procedures/", views.procedure_list_page, name="list"),
    path("procedures/<str:code>/", views.procedure_detail_page, name="detail"),
    path("kiosk/<slug:center>/lookup/", views.kiosk_lookup, name="kiosk-lookup"),
    path("kiosk/<slug:center>/lookup/<str:code>/", views.kiosk_procedure, name="kiosk-procedure"),
]
