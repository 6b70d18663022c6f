"""/metrics for Prometheus: requests by view, their latency, the worker heartbeat.

Off (404) unless METRICS_TOKEN is set; then only a request with
`Authorization: Bearer <METRICS_TOKEN>` gets the figures (403 otherwise). Under
gunicorn with several processes set PROMETHEUS_MULTIPROC_DIR to an empty folder
(the image does): each process writes its figures there and /metrics adds them up.
"""

import hmac
import os
import time

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily

REQUESTS = Counter(
    "mysteryshop_http_requests_total",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "mysteryshop_http_request_duration_seconds",
    "Time to answer an HTTP request, by view name.",
    ["view"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class HeartbeatCollector:
    """The age of the newest worker heartbeat, read at scrape time: an alert on it
    catches a stopped beat or worker before anyone misses a reminder."""

    def collect(self):
        from django.db.models import Max
        from django.utils import timezone

        from mysteryshop.models import WorkerHeartbeat

        try:
            last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
        except Exception:  # the database is down: /healthz says so; no gauge
            return
        age = GaugeMetricFamily(
            "mysteryshop_worker_heartbeat_age_seconds",
            "Seconds since the newest Celery worker heartbeat (-1: none yet).",
        )
        age.add_metric([], (timezone.now() - last).total_seconds() if last else -1)
        yield age


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(HeartbeatCollector())
    return registry


class _Default:
    """The process's own metrics (the default registry) inside a scrape registry."""

    def collect(self):
        yield from REGISTRY.collect()


def _authorized(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@never_cache
@require_GET
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404("metrics are off")
    if not _authorized(request):
        return HttpResponseForbidden("metrics need the bearer token", content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every answer and its time under the name of the view that gave it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match is not None else "<unresolved>"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response
