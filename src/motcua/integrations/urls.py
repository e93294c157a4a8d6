from django.urls import path

from motcua.integrations import views

app_name = "integrations"

urlpatterns = [
    path("staff/integrations/outbox/", views.outbox_page, name="outbox"),
    path("staff/integrations/outbox/<int:pk>/retry/", views.outbox_retry_view, name="outbox-retry"),
]
