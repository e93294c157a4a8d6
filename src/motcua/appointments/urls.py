"""Appointment pages: booking, the holder's page, its QR code and calendar file, the kiosk's
check-in, and the staff's day list and booking on behalf of a caller."""

from django.urls import path

from motcua.appointments import views, views_staff

app_name = "appointments"

urlpatterns = [
    path("appointments/book/", views.book_start, name="book"),
    path("appointments/book/<slug:center>/", views.book, name="book-center"),
    path("appointments/<str:code>/", views.manage, name="manage"),
    path("appointments/<str:code>/qr.svg", views.qr, name="qr"),
    path("appointments/<str:code>/appointment.ics", views.ics, name="ics"),
    path("kiosk/<slug:center>/check-in/", views.kiosk_check_in, name="kiosk-check-in"),
    path("staff/appointments/", views_staff.day_list, name="staff-day"),
    path("staff/appointments/book/", views_staff.book_for_caller, name="staff-book"),
]
