from django.urls import path

from motcua.audit import views

app_name = "audit"

urlpatterns = [
    path("staff/audit/", views.audit_list_page, name="list"),
]
