from django.urls import include, path

from sampling.views import plans

urlpatterns = [
    path("ics/<str:token>.ics", plans.calendar_feed, name="calendar_feed"),
    path("p/<str:code>/sampling/", include("sampling.urls_imports")),
    path("p/<str:code>/sampling/", include("sampling.urls_plans")),
]
