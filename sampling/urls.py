"""URLs of the sampling stage: program pages under /p/<code>/ (mysteryshop.urls
includes urlpatterns there) and the calendar feed at the site root (site_urlpatterns)."""

from django.urls import path

from sampling.views import imports, plans

# The calendar feed has no program in its address: its token is the secret.
site_urlpatterns = [
    path("ics/<str:token>.ics", plans.calendar_feed, name="calendar_feed"),
]

urlpatterns = [
    # Contact data (TLK-5.1.1, PGD-4.3).
    path("sampling/imports/", imports.contact_import_list, name="contact_import_list"),
    path("sampling/imports/mappings/", imports.import_mapping_list, name="import_mapping_list"),
    path(
        "sampling/imports/sample.csv", imports.contact_import_sample, name="contact_import_sample"
    ),
    path(
        "sampling/imports/<int:pk>/", imports.contact_import_detail, name="contact_import_detail"
    ),
    path(
        "sampling/imports/<int:pk>/errors.csv",
        imports.contact_import_errors,
        name="contact_import_errors",
    ),
    path(
        "sampling/imports/<int:pk>/file", imports.contact_import_file, name="contact_import_file"
    ),
    path("sampling/data/<str:month>/", imports.contact_data, name="contact_data"),
    path("sampling/data/<str:month>/reasons/", imports.reason_resolve, name="reason_resolve"),
    # Plans, the agenda and progress.
    path("sampling/plans/", plans.plan_list, name="plan_list"),
    path("sampling/plans/<str:month>/", plans.plan_detail, name="plan_detail"),
    path("sampling/plans/<str:month>/action/", plans.plan_action, name="plan_action"),
    path("sampling/shops/<int:pk>/", plans.shop_edit, name="shop_edit"),
    path("sampling/agenda/", plans.agenda, name="agenda"),
    path("sampling/agenda/feed/reset/", plans.agenda_feed_reset, name="agenda_feed_reset"),
    path("sampling/progress/", plans.sample_progress, name="sample_progress"),
]
