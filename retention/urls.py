"""URLs of the retention page, included under /p/<code>/ by mysteryshop.urls."""

from django.urls import path

from retention import views

urlpatterns = [
    path("retention/", views.retention_page, name="retention"),
    path(
        "retention/records/<str:record_type>/<int:object_id>/",
        views.retention_record,
        name="retention_record",
    ),
]
