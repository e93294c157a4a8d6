from django.urls import path

from motcua.notifications import views

app_name = "notifications"

urlpatterns = [
    path("staff/messages/", views.message_list_page, name="message-list"),
    path("staff/messages/<int:pk>/", views.message_detail_page, name="message-detail"),
    path("staff/messages/<int:pk>/retry/", views.message_retry_view, name="message-retry"),
    path("staff/notifications/templates/", views.template_list_page, name="template-list"),
    path(
        "staff/notifications/templates/<slug:center>/<str:kind>/<str:channel>/<str:language>/",
        views.template_edit_page,
        name="template-edit",
    ),
    path("notifications/opt-out/<str:token>/", views.opt_out_page, name="opt-out"),
]
