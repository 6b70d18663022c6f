"""URLs of the scorecards pages, included under /p/<code>/ by programs.urls."""

urlpatterns = []
