"""Account pages outside any organization: log in and out, sign up, password reset, choose an organization."""

from django.contrib.auth import views as auth_views
from django.urls import path

from fsmbilling.views import accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/", accounts.OrgSwitchView.as_view(), name="org_switch"),
]
