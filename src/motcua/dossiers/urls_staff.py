"""Staff dossier pages: receiving at the counter and by post, online dossiers to check,
a dossier's page, its forms and files, and the tracking register (form 06)."""

from django.urls import path

from motcua.dossiers import views_forms, views_process, views_staff

app_name = "dossiers_staff"

urlpatterns = [
    path("staff/dossiers/", views_staff.dossier_list, name="list"),
    path("staff/dossiers/receive/", views_staff.receive, name="receive"),
    path("staff/dossiers/online/", views_staff.online_list, name="online"),
    path("staff/dossiers/cccd/", views_staff.cccd_parse, name="cccd-parse"),
    path("staff/dossiers/register/", views_forms.register, name="register"),
    path("staff/dossiers/register.xlsx", views_forms.register_xlsx, name="register-xlsx"),
    path("staff/dossiers/files/<int:pk>/", views_staff.file_download, name="file"),
    # The internal process: work lists, bulk assignment, and every move from a dossier's page.
    path("staff/dossiers/mine/", views_process.mine, name="mine"),
    path("staff/dossiers/department/", views_process.department, name="department"),
    path("staff/dossiers/work/", views_process.work, name="work"),
    path("staff/dossiers/assign/", views_process.bulk_assign, name="bulk-assign"),
    path("staff/dossiers/<str:code>/", views_staff.detail, name="detail"),
    path("staff/dossiers/<str:code>/decide/", views_staff.decide, name="decide"),
    path("staff/dossiers/<str:code>/attach/", views_staff.attach, name="attach"),
    path("staff/dossiers/<str:code>/return/", views_staff.return_result, name="return"),
    path("staff/dossiers/<str:code>/forms/<int:pk>.pdf", views_forms.form_pdf, name="form-pdf"),
    path("staff/dossiers/<str:code>/act/<str:action>/", views_process.act, name="act"),
    path("staff/dossiers/<str:code>/form05.pdf", views_forms.form05, name="form05"),
]
