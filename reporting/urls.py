"""URLs of the reporting stage, included under /p/<code>/ by mysteryshop.urls."""

from django.urls import path

from reporting.views import auditpack, dashboards, evaluators, reports

urlpatterns = [
    # Dashboards and the yearly summary.
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("reports/year/", dashboards.yearly_summary, name="yearly_summary"),
    path("reports/year/xlsx/", dashboards.yearly_summary_xlsx, name="yearly_summary_xlsx"),
    # The quality of the evaluators (issue #23).
    path("evaluators/", evaluators.evaluator_quality, name="evaluator_quality"),
    path("evaluators/xlsx/", evaluators.evaluator_quality_xlsx, name="evaluator_quality_xlsx"),
    # Monthly reports (PGD-4.7, TLK-5.4.1).
    path("reports/", reports.report_list, name="report_list"),
    path("reports/<str:month>/", reports.report_detail, name="report_detail"),
    path("reports/<str:month>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<str:month>/check/", reports.report_check, name="report_check"),
    path(
        "reports/<str:month>/acknowledge/",
        reports.report_acknowledge,
        name="report_acknowledge",
    ),
    path("reports/<str:month>/correct/", reports.report_correct, name="report_correct"),
    path(
        "reports/<str:month>/xlsx/",
        reports.report_xlsx_download,
        name="report_xlsx",
    ),
    path("reports/<str:month>/pdf/", reports.report_pdf_download, name="report_pdf"),
    # ISO audit packs (PGD-6, TLK-6).
    path("audit-pack/", auditpack.audit_pack_list, name="audit_pack_list"),
    path(
        "audit-pack/<int:pk>/status/",
        auditpack.audit_pack_status,
        name="audit_pack_status",
    ),
    path(
        "audit-pack/<int:pk>/download/",
        auditpack.audit_pack_download,
        name="audit_pack_download",
    ),
]
