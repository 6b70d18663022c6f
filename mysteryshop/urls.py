from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from mysteryshop import metrics, oidc, views
from programs import urls as programs_urls
from sampling import urls as sampling_urls

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Single sign-on: /oidc/authenticate/, /oidc/callback/ (mysteryshop.oidc).
    path("oidc/", include("mozilla_django_oidc.urls")),
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

if not settings.LOCAL_PASSWORDS:
    # No passwords: the admin signs in through the product's page (single sign-on),
    # and the pages that set, change or reset a password are gone (404).
    urlpatterns[:0] = [
        path(
            "admin/login/",
            RedirectView.as_view(pattern_name="login", query_string=True),
            name="admin_login_sso",
        ),
        re_path(r"^accounts/password/", oidc.passwords_off),
        re_path(r"^admin/password_change/", oidc.passwords_off),
    ]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
