from django.contrib.auth import views as auth_views
from django.urls import include, path

from .forms import EmailAuthenticationForm
from .views import core

program_urls = [
    path("", core.program_detail, name="program_detail"),
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
    path("p/<str:code>/", include(program_urls)),
]
