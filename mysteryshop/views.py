from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from mysteryshop import health


@never_cache
@require_GET
def healthz(request):
    """JSON for monitoring: 200 when database, broker and worker are up, else 503."""
    try:
        checks = health.run_checks()
    except Exception as exc:  # never the HTML 500 page: monitoring reads JSON
        checks = [health.Check("healthz", False, type(exc).__name__)]
    ok = all(check.ok for check in checks)
    body = {
        "status": "ok" if ok else "down",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JsonResponse(body, status=200 if ok else 503)


@require_POST
def set_language(request):
    """Django's set_language, plus remembering the choice on the user's account."""
    language = request.POST.get("language", "")
    response = django_set_language(request)
    if (
        request.user.is_authenticated
        and translation.check_for_language(language)
        and language != request.user.language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
