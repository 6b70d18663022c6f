"""URLs of the scoring stage, included under /p/<code>/ by mysteryshop.urls."""

from django.urls import path

from scoring.views import form, review

urlpatterns = [
    # The scoring form: the shopper's side.
    path("shops/plan/<int:planned_pk>/start/", form.shop_start, name="shop_start"),
    path(
        "shops/plan/<int:planned_pk>/not-executed/",
        form.shop_not_executed,
        name="shop_not_executed",
    ),
    path("shops/<int:pk>/form/", form.shop_form, name="shop_form"),
    path("shops/<int:pk>/autosave/", form.shop_autosave, name="shop_autosave"),
    path("shops/<int:pk>/evidence/", form.shop_evidence_add, name="shop_evidence_add"),
    path("shops/evidence/<int:evidence_pk>/", form.shop_evidence_file, name="shop_evidence_file"),
    path(
        "shops/evidence/<int:evidence_pk>/remove/",
        form.shop_evidence_remove,
        name="shop_evidence_remove",
    ),
    # Review, records and disputes.
    path("shops/", review.shop_list, name="shop_list"),
    path("shops/export.xlsx", review.shop_list_export, name="shop_list_export"),
    path("shops/review/", review.review_queue, name="review_queue"),
    path("shops/<int:pk>/", review.shop_detail, name="shop_detail"),
    path("shops/<int:pk>/forward/", review.shop_forward, name="shop_forward"),
    path("shops/<int:pk>/return/", review.shop_return, name="shop_return"),
    path("shops/<int:pk>/finalize/", review.shop_finalize, name="shop_finalize"),
    path("shops/<int:pk>/high-impact/", review.shop_high_impact, name="shop_high_impact"),
    path("shops/<int:pk>/revise/", review.shop_revise, name="shop_revise"),
    path("shops/<int:pk>/disputes/", review.dispute_open, name="dispute_open"),
    path(
        "shops/<int:pk>/disputes/<int:dispute_pk>/resolve/",
        review.dispute_resolve,
        name="dispute_resolve",
    ),
]
