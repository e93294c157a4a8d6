"""Report pages for staff, and the public transparency pages."""

from django.urls import path

from motcua.reporting import views

app_name = "reporting"

urlpatterns = [
    path("staff/reports/", views.home, name="home"),
    path("staff/reports/centers/<slug:code>/", views.center, name="center"),
    path("staff/reports/centers/<slug:code>/today/", views.center_today, name="center-today"),
    path("staff/reports/centers/<slug:code>/monthly.pdf", views.monthly_pdf, name="monthly-pdf"),
    path(
        "staff/reports/centers/<slug:code>/<slug:name>.xlsx",
        views.table_xlsx,
        {"kind": "center"},
        name="center-xlsx",
    ),
    path("staff/reports/provinces/<slug:code>/", views.province, name="province"),
    path(
        "staff/reports/provinces/<slug:code>/<slug:name>.xlsx",
        views.table_xlsx,
        {"kind": "province"},
        name="province-xlsx",
    ),
    path("figures/", views.public_index, name="public-index"),
    path("figures/centers/<slug:code>/", views.public_center, name="public-center"),
    path("figures/provinces/<slug:code>/", views.public_province, name="public-province"),
]
