"""The product's URLs plus a trivial page, for the benchmarks only (never the
product's ROOT_URLCONF): every page's time is read beside this baseline,
measured in the same run through the same middleware and login."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from mysteryshop.urls import urlpatterns as product_urlpatterns


@login_required
def baseline(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/baseline/", baseline, name="bench_baseline"),
    *product_urlpatterns,
]
