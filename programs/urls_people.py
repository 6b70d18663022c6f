"""URLs of the people pages, included under /p/<code>/ by programs.urls."""

urlpatterns = []
