"""URLs of the scoring review pages, included under /p/<code>/shops/."""

urlpatterns = []
