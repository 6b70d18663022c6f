"""The API under /api/v1/, its documentation at /api/docs, and the token pages
inside the program (p/<code>/api-tokens/). Included once, at the root."""

from django.urls import path

from api import views
from api.endpoints import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", views.api_docs, name="api_docs"),
    path("p/<str:code>/api-tokens/", views.api_token_list, name="api_token_list"),
    path(
        "p/<str:code>/api-tokens/<int:pk>/revoke",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
]
