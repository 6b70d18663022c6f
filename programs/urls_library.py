"""URLs of the library pages, included under /p/<code>/ by programs.urls."""

urlpatterns = []
