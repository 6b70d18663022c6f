"""URLs of the scorecards pages, included under /p/<code>/ by programs.urls."""

from django.urls import path

from programs.views import scorecards as views

urlpatterns = [
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
    path("scorecards/new/", views.scorecard_create, name="scorecard_create"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/preview/", views.scorecard_preview, name="scorecard_preview"),
    path(
        "scorecards/<int:pk>/new-version/",
        views.scorecard_new_version,
        name="scorecard_new_version",
    ),
    path("scorecards/<int:pk>/edit/", views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/publish/", views.scorecard_publish, name="scorecard_publish"),
    path("scorecards/<int:pk>/discard/", views.scorecard_discard, name="scorecard_discard"),
    path(
        "scorecards/<int:pk>/sections/new/",
        views.section_add,
        name="scorecard_section_add",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/",
        views.section_edit,
        name="scorecard_section_edit",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/delete/",
        views.section_delete,
        name="scorecard_section_delete",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/move/",
        views.section_move,
        name="scorecard_section_move",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/parameters/new/",
        views.parameter_add,
        name="scorecard_parameter_add",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/",
        views.parameter_edit,
        name="scorecard_parameter_edit",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/delete/",
        views.parameter_delete,
        name="scorecard_parameter_delete",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/move/",
        views.parameter_move,
        name="scorecard_parameter_move",
    ),
]
