"""URLs of the plan pages, included under /p/<code>/sampling/."""

from django.urls import path

from sampling.views import plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/<str:month>/", plans.plan_detail, name="plan_detail"),
    path("plans/<str:month>/action/", plans.plan_action, name="plan_action"),
    path("shops/<int:pk>/", plans.shop_edit, name="shop_edit"),
    path("agenda/", plans.agenda, name="agenda"),
    path("agenda/feed/reset/", plans.agenda_feed_reset, name="agenda_feed_reset"),
    path("progress/", plans.sample_progress, name="sample_progress"),
]
