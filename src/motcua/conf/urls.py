"""URL configuration: the staff/public site, the admin, the API and the health check."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from motcua.conf.api import api
from motcua.feedback import urls as feedback_urls
from motcua.web import views as web_views

admin.site.site_header = "motcua"
admin.site.site_title = "motcua"

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("motcua.appointments.urls")),
    path("", include((feedback_urls.tablet_patterns, "feedback_tablet"))),
    path("", include((feedback_urls.public_patterns, "feedback_public"))),
    path("", include((feedback_urls.staff_patterns, "feedback_staff"))),
    path("", include("motcua.dossiers.urls_public")),
    path("", include("motcua.dossiers.urls_staff")),
    path("", include("motcua.catalog.urls")),
    path("", include("motcua.notifications.urls")),
    path("", include("motcua.integrations.urls")),
    path("", include("motcua.queueing.urls_screens")),
    path("", include("motcua.queueing.urls_display")),
    path("", include("motcua.queueing.urls")),
    path("", include("motcua.reporting.urls")),
    path("", include("motcua.audit.urls")),
    path("", include("motcua.web.urls")),
]
