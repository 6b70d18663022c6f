from django.urls import include, path

urlpatterns = [
    path("p/<str:code>/shops/", include("scoring.urls_form")),
    path("p/<str:code>/shops/", include("scoring.urls_review")),
]
