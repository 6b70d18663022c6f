"""URLs of the programs stage: program pages under /p/<code>/ (mysteryshop.urls
includes urlpatterns there) and the site pages — home, sign-in, a new program —
at the site root (site_urlpatterns)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from programs.forms.accounts import ThrottledPasswordResetForm
from programs.views import accounts, core, library, people, scorecards, setup

site_urlpatterns = [
    path("", core.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            subject_template_name="registration/password_reset_subject.txt",
            form_class=ThrottledPasswordResetForm,  # mails per address and client: limited
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("programs/new/", setup.program_new, name="program_new"),
]

urlpatterns = [
    # Set-up: the program, its frame, channels, members and history.
    path("", core.program_detail, name="program_detail"),
    path("settings/", setup.program_settings, name="program_settings"),
    path("frame/", setup.program_frame, name="program_frame"),
    path("frame/<slug:table>/edit/", setup.program_table_edit, name="program_table_edit"),
    path("channels/", setup.channel_list, name="channel_list"),
    path("members/", setup.member_list, name="member_list"),
    path("members/<int:pk>/", setup.member_update, name="member_update"),
    path("history/", setup.program_history, name="program_history"),
    # People: areas, teams, agents and their import.
    path("people/areas/", people.area_list, name="area_list"),
    path("people/areas/new/", people.area_create, name="area_create"),
    path("people/areas/<int:pk>/", people.area_edit, name="area_edit"),
    path("people/teams/", people.team_list, name="team_list"),
    path("people/teams/new/", people.team_create, name="team_create"),
    path("people/teams/<int:pk>/", people.team_edit, name="team_edit"),
    path("people/agents/", people.agent_list, name="agent_list"),
    path("people/agents/new/", people.agent_create, name="agent_create"),
    path("people/agents/<int:pk>/", people.agent_edit, name="agent_edit"),
    path("people/agents/<int:pk>/deactivate/", people.agent_deactivate, name="agent_deactivate"),
    path("people/import/", people.people_import, name="people_import"),
    path("people/import/<int:pk>/", people.people_import_detail, name="people_import_detail"),
    path(
        "people/import/template.<str:fmt>",
        people.people_import_template,
        name="people_import_template",
    ),
    # Scorecards and their versions (TLK-5.6.1).
    path("scorecards/", scorecards.scorecard_list, name="scorecard_list"),
    path("scorecards/new/", scorecards.scorecard_create, name="scorecard_create"),
    path("scorecards/<int:pk>/", scorecards.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/preview/", scorecards.scorecard_preview, name="scorecard_preview"),
    path(
        "scorecards/<int:pk>/new-version/",
        scorecards.scorecard_new_version,
        name="scorecard_new_version",
    ),
    path("scorecards/<int:pk>/edit/", scorecards.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/publish/", scorecards.scorecard_publish, name="scorecard_publish"),
    path("scorecards/<int:pk>/discard/", scorecards.scorecard_discard, name="scorecard_discard"),
    path(
        "scorecards/<int:pk>/sections/new/",
        scorecards.section_add,
        name="scorecard_section_add",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/",
        scorecards.section_edit,
        name="scorecard_section_edit",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/delete/",
        scorecards.section_delete,
        name="scorecard_section_delete",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/move/",
        scorecards.section_move,
        name="scorecard_section_move",
    ),
    path(
        "scorecards/<int:pk>/sections/<int:section_pk>/parameters/new/",
        scorecards.parameter_add,
        name="scorecard_parameter_add",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/",
        scorecards.parameter_edit,
        name="scorecard_parameter_edit",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/delete/",
        scorecards.parameter_delete,
        name="scorecard_parameter_delete",
    ),
    path(
        "scorecards/<int:pk>/parameters/<int:parameter_pk>/move/",
        scorecards.parameter_move,
        name="scorecard_parameter_move",
    ),
    # The library: contact reasons, scenarios, coaching rules.
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
