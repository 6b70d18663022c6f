"""URLs of the scoring form pages, included under /p/<code>/shops/."""

urlpatterns = []
