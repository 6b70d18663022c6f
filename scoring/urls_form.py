"""URLs of the scoring form pages, included under /p/<code>/shops/."""

from django.urls import path

from .views import form

urlpatterns = [
    path("plan/<int:planned_pk>/start/", form.shop_start, name="shop_start"),
    path("plan/<int:planned_pk>/not-executed/", form.shop_not_executed, name="shop_not_executed"),
    path("<int:pk>/form/", form.shop_form, name="shop_form"),
    path("<int:pk>/autosave/", form.shop_autosave, name="shop_autosave"),
    path("<int:pk>/evidence/", form.shop_evidence_add, name="shop_evidence_add"),
    path("evidence/<int:evidence_pk>/", form.shop_evidence_file, name="shop_evidence_file"),
]
