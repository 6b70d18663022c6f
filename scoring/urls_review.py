"""URLs of the scoring review pages, included under /p/<code>/shops/."""

from django.urls import path

from .views import review

urlpatterns = [
    path("", review.shop_list, name="shop_list"),
    path("export.xlsx", review.shop_list_export, name="shop_list_export"),
    path("review/", review.review_queue, name="review_queue"),
    path("<int:pk>/", review.shop_detail, name="shop_detail"),
    path("<int:pk>/forward/", review.shop_forward, name="shop_forward"),
    path("<int:pk>/return/", review.shop_return, name="shop_return"),
    path("<int:pk>/finalize/", review.shop_finalize, name="shop_finalize"),
    path("<int:pk>/high-impact/", review.shop_high_impact, name="shop_high_impact"),
    path("<int:pk>/revise/", review.shop_revise, name="shop_revise"),
    path("<int:pk>/disputes/", review.dispute_open, name="dispute_open"),
    path(
        "<int:pk>/disputes/<int:dispute_pk>/resolve/",
        review.dispute_resolve,
        name="dispute_resolve",
    ),
]
