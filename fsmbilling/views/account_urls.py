"""Account pages outside any organization: log in and out, sign up, password reset, choose an organization."""

from django.contrib.auth import views as auth_views
from django.urls import path

from fsmbilling.views import accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.SignupView.as_view(), name="signup"),
    path("orgs/", accounts.OrgSwitchView.as_view(), name="org_switch"),
    path("orgs/new/", accounts.OrganizationCreateView.as_view(), name="signup_org"),
    path("invitations/<str:token>/", accounts.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change_form.html"),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
]
