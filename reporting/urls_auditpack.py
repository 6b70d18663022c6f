from django.urls import path

from reporting import views_auditpack as views

urlpatterns = [
    path("p/<str:code>/audit-pack/", views.audit_pack_list, name="audit_pack_list"),
    path(
        "p/<str:code>/audit-pack/<int:pk>/status/",
        views.audit_pack_status,
        name="audit_pack_status",
    ),
    path(
        "p/<str:code>/audit-pack/<int:pk>/download/",
        views.audit_pack_download,
        name="audit_pack_download",
    ),
]
