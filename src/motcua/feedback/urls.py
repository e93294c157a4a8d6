"""Pages of the feedback app, in three namespaces: the counter's rating tablet, the public pages
and the staff pages (included from motcua.conf.urls)."""

from django.urls import path

from motcua.feedback import views_public, views_staff, views_tablet

tablet_patterns = [
    path("rating/<int:counter_id>/", views_tablet.tablet, name="tablet"),
    path("rating/<int:counter_id>/pending/", views_tablet.pending, name="pending"),
]

public_patterns = [
    path("ratings/ticket/<str:token>/", views_public.rate_ticket, name="rate-ticket"),
    path("dossiers/rate/<str:token>/", views_public.rate_dossier, name="rate-dossier"),
    path("feedback/", views_public.submit, name="submit"),
    path("feedback/follow/", views_public.follow, name="follow"),
    path("feedback/answers/<slug:center>/", views_public.answers, name="answers"),
]

staff_patterns = [
    path("staff/feedback/", views_staff.feedback_list, name="list"),
    path("staff/feedback/new/", views_staff.feedback_new, name="new"),
    path("staff/feedback/<int:pk>/", views_staff.feedback_detail, name="detail"),
    path("staff/feedback/<int:pk>/act/", views_staff.feedback_act, name="act"),
    path("staff/feedback/ratings/", views_staff.ratings, name="ratings"),
    path("staff/feedback/ratings/<int:pk>/", views_staff.rating_detail, name="rating"),
]
