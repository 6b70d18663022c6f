from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mysteryshop import metrics, views
from programs import urls as programs_urls
from sampling import urls as sampling_urls

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include(programs_urls.site_urlpatterns)),
    path("p/<str:code>/", include("programs.urls")),
    path("", include(sampling_urls.site_urlpatterns)),
    path("p/<str:code>/", include("sampling.urls")),
    path("p/<str:code>/", include("scoring.urls")),
    path("p/<str:code>/", include("followup.urls")),
    path("", include("notifications.urls")),
    path("p/<str:code>/", include("reporting.urls")),
    path("p/<str:code>/", include("retention.urls")),
    path("", include("api.urls")),  # /api/v1/, /api/docs, p/<code>/api-tokens/
]

handler500 = "mysteryshop.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
