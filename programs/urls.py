from django.contrib.auth import views as auth_views
from django.urls import include, path

from programs.forms import EmailAuthenticationForm
from programs.views import core, setup

program_urls = [
    path("", core.program_detail, name="program_detail"),
    path("settings/", setup.program_settings, name="program_settings"),
    path("frame/", setup.program_frame, name="program_frame"),
    path("frame/<slug:table>/edit/", setup.program_table_edit, name="program_table_edit"),
    path("channels/", setup.channel_list, name="channel_list"),
    path("members/", setup.member_list, name="member_list"),
    path("members/<int:pk>/", setup.member_update, name="member_update"),
    path("history/", setup.program_history, name="program_history"),
    path("", include("programs.urls_people")),
    path("", include("programs.urls_scorecards")),
    path("", include("programs.urls_library")),
]

urlpatterns = [
    path("", core.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
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
            subject_template_name="registration/password_reset_subject.txt"
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
    path("p/<str:code>/", include(program_urls)),
]
