from django.urls import path

from reporting import views_reports as views

urlpatterns = [
    path("p/<str:code>/reports/", views.report_list, name="report_list"),
    path("p/<str:code>/reports/<str:month>/", views.report_detail, name="report_detail"),
    path("p/<str:code>/reports/<str:month>/submit/", views.report_submit, name="report_submit"),
    path(
        "p/<str:code>/reports/<str:month>/acknowledge/",
        views.report_acknowledge,
        name="report_acknowledge",
    ),
    path("p/<str:code>/reports/<str:month>/correct/", views.report_correct, name="report_correct"),
    path(
        "p/<str:code>/reports/<str:month>/xlsx/",
        views.report_xlsx_download,
        name="report_xlsx",
    ),
    path("p/<str:code>/reports/<str:month>/pdf/", views.report_pdf_download, name="report_pdf"),
]
