"""URLs of the calibration pages (PGD-4.8), included at the site root."""

from django.urls import path

from followup import calibration_views as views

P = "p/<str:code>/followup/calibration/"

urlpatterns = [
    path(P, views.calibration_list, name="calibration_list"),
    path(f"{P}new/", views.calibration_new, name="calibration_new"),
    path(f"{P}<int:pk>/", views.calibration_detail, name="calibration_detail"),
    path(f"{P}<int:pk>/confirm/", views.calibration_confirm, name="calibration_confirm"),
    path(
        f"{P}<int:pk>/attendance/<int:attendee_pk>/",
        views.calibration_attendance,
        name="calibration_attendance",
    ),
    path(f"{P}<int:pk>/held/", views.calibration_held, name="calibration_held"),
    path(
        f"{P}<int:pk>/actions/<int:action_pk>/done/",
        views.calibration_action_done,
        name="calibration_action_done",
    ),
    path(
        f"{P}<int:pk>/cases/<int:case_pk>/rate/", views.calibration_rate, name="calibration_rate"
    ),
    path(f"{P}<int:pk>/evidence.pdf", views.calibration_pdf, name="calibration_pdf"),
]
