"""URLs of the contact data pages, included under /p/<code>/sampling/."""

from django.urls import path

from sampling.views import imports

urlpatterns = [
    path("imports/", imports.contact_import_list, name="contact_import_list"),
    path("imports/mappings/", imports.import_mapping_list, name="import_mapping_list"),
    path("imports/sample.csv", imports.contact_import_sample, name="contact_import_sample"),
    path("imports/<int:pk>/", imports.contact_import_detail, name="contact_import_detail"),
    path(
        "imports/<int:pk>/errors.csv", imports.contact_import_errors, name="contact_import_errors"
    ),
    path("imports/<int:pk>/file", imports.contact_import_file, name="contact_import_file"),
    path("data/<str:month>/", imports.contact_data, name="contact_data"),
    path("data/<str:month>/reasons/", imports.reason_resolve, name="reason_resolve"),
]
