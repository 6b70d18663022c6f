"""URLs of the library pages, included under /p/<code>/ by programs.urls."""

from django.urls import path

from programs.views import library

urlpatterns = [
    path("reasons/", library.reason_list, name="reason_list"),
    path("reasons/new/", library.reason_edit, name="reason_create"),
    path("reasons/<int:pk>/edit/", library.reason_edit, name="reason_edit"),
    path("reasons/<int:pk>/remove/", library.reason_remove, name="reason_remove"),
    path("scenarios/", library.scenario_list, name="scenario_list"),
    path("scenarios/new/", library.scenario_edit, name="scenario_create"),
    path("scenarios/<int:pk>/", library.scenario_detail, name="scenario_detail"),
    path("scenarios/<int:pk>/edit/", library.scenario_edit, name="scenario_edit"),
    path("coaching-rules/", library.coaching_rule_list, name="coaching_rule_list"),
    path("coaching-rules/new/", library.coaching_rule_edit, name="coaching_rule_create"),
    path("coaching-rules/<int:pk>/edit/", library.coaching_rule_edit, name="coaching_rule_edit"),
    path(
        "coaching-rules/<int:pk>/toggle/",
        library.coaching_rule_toggle,
        name="coaching_rule_toggle",
    ),
    path("coaching-rules/<int:pk>/move/", library.coaching_rule_move, name="coaching_rule_move"),
]
