"""URLs of the follow-up stage, included under /p/<code>/ by mysteryshop.urls."""

from django.urls import path

from followup.views import calibration, cases, defects

urlpatterns = [
    # Defects routed to team leaders and their follow-up items (PGD-4.7, TLK-5.6).
    path("followup/defects/", defects.defect_inbox, name="defect_inbox"),
    path(
        "followup/defects/<int:pk>/acknowledge/",
        defects.defect_acknowledge,
        name="defect_acknowledge",
    ),
    # TLK-5.6.2: the supervisor passes nonconformity notes on to the team leader.
    path("followup/defects/to-pass-on/", defects.pass_on_inbox, name="defect_pass_on_inbox"),
    path("followup/defects/<int:pk>/pass-on/", defects.defect_pass_on, name="defect_pass_on"),
    path("followup/items/", defects.follow_up_list, name="follow_up_list"),
    path("followup/items/<int:pk>/log/", defects.follow_up_log, name="follow_up_log"),
    path(
        "followup/recap/<str:month>/",
        defects.nonconformity_recap,
        name="nonconformity_recap",
    ),
    # High-impact customer cases (PGD-4.8, PGD-5.5.1).
    path("followup/cases/", cases.case_list, name="case_list"),
    path("followup/cases/new/", cases.case_new, name="case_new"),
    path("followup/cases/<int:pk>/", cases.case_detail, name="case_detail"),
    # Calibration sessions (PGD-4.8).
    path("followup/calibration/", calibration.calibration_list, name="calibration_list"),
    path("followup/calibration/new/", calibration.calibration_new, name="calibration_new"),
    path(
        "followup/calibration/<int:pk>/", calibration.calibration_detail, name="calibration_detail"
    ),
    path(
        "followup/calibration/<int:pk>/confirm/",
        calibration.calibration_confirm,
        name="calibration_confirm",
    ),
    path(
        "followup/calibration/<int:pk>/attendance/<int:attendee_pk>/",
        calibration.calibration_attendance,
        name="calibration_attendance",
    ),
    path(
        "followup/calibration/<int:pk>/held/",
        calibration.calibration_held,
        name="calibration_held",
    ),
    path(
        "followup/calibration/<int:pk>/actions/<int:action_pk>/done/",
        calibration.calibration_action_done,
        name="calibration_action_done",
    ),
    path(
        "followup/calibration/<int:pk>/cases/<int:case_pk>/rate/",
        calibration.calibration_rate,
        name="calibration_rate",
    ),
    path(
        "followup/calibration/<int:pk>/evidence.pdf",
        calibration.calibration_pdf,
        name="calibration_pdf",
    ),
]
