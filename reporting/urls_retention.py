from django.urls import path

from reporting import views_retention as views

urlpatterns = [
    path("p/<str:code>/retention/", views.retention_page, name="retention"),
]
