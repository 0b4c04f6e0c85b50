"""Account pages outside any organization: sign-up, throttled log-in by email, password reset, organization switch,
new organization, and accepting an invitation (TEN-1, TEN-4, REL-5)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache

from fsmbilling import login_throttle
from fsmbilling.models import Membership, Organization
from fsmbilling.services.accounts import (
    account_signup,
    country_choices,
    normalize_email,
    organization_create_for_user,
    time_zones,
    user_for_email,
)
from fsmbilling.services.members import (
    invitation_accept,
    invitation_accept_new_user,
    invitation_for_token,
    invitation_refusal,
)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("organization")
    if len(memberships) == 1:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return redirect("org_switch")


class OrgSwitchView(LoginRequiredMixin, View):
    """The organizations the user belongs to; each link carries the organization in the URL (TEN-2)."""

    def get(self, request):
        memberships = (
            Membership.objects.filter(user=request.user, is_active=True)
            .select_related("organization", "role")
            .order_by("organization__name")
        )
        return render(request, "accounts/org_switch.html", {"memberships": memberships})


def after_organization_created(organization: Organization) -> str:
    """Where a new organization starts: the onboarding wizard (FIN-2) when installed, else its dashboard."""
    try:
        return reverse("billing:onboarding", kwargs={"org_slug": organization.slug})
    except NoReverseMatch:
        return reverse("dashboard", kwargs={"org_slug": organization.slug})


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Log in -----------------------------------------------------------------------------------------------------------


class ThrottledLoginMixin:
    """Log in by email (case-insensitive) and refuse attempts while the email or client address is locked out.

    Mix into Django's ``AuthenticationForm`` or ``AdminAuthenticationForm`` (the form must have ``request``).
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or password is not correct. Check both and try again."),
    }

    def clean(self):
        email = normalize_email(self.cleaned_data.get("username"))
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        address = login_throttle.client_address(self.request)
        self._refuse_if_locked(email, address)
        account = user_for_email(email)
        username = account.get_username() if account is not None else email
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            login_throttle.record_failure(email=email, address=address)
            self._refuse_if_locked(email, address)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        login_throttle.reset(email=email)
        return self.cleaned_data

    def _refuse_if_locked(self, email: str, address: str) -> None:
        lockout = login_throttle.lockout(email=email, address=address)
        if lockout is None:
            return
        minutes = lockout.minutes_left
        raise ValidationError(
            ngettext(
                "Too many failed log-in attempts for this email or from your network. Wait %(minutes)d minute "
                "and try again, or reset your password.",
                "Too many failed log-in attempts for this email or from your network. Wait %(minutes)d minutes "
                "and try again, or reset your password.",
                minutes,
            )
            % {"minutes": minutes},
            code="throttled",
        )


class EmailAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("Email")
        field.max_length = 254
        field.widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "maxlength": 254})


class AdminEmailAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's log-in with the same throttle (set ``admin.site.login_form`` to this class)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


# --- Sign up and new organizations ------------------------------------------------------------------------------------


class OrganizationFields(forms.Form):
    organization_name = forms.CharField(label=_("Organization name"), max_length=200)
    country = forms.ChoiceField(
        label=_("Country"), help_text=_("Decides the tax edition (sales tax, GST, VAT…) of the organization.")
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country")), *country_choices()]
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in time_zones()]
        self.fields["time_zone"].initial = "UTC"
        self.fields["organization_name"].widget.attrs["autocomplete"] = "organization"


class SignupForm(OrganizationFields):
    full_name = forms.CharField(label=_("Your name"), max_length=300)
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password and not only digits."),
    )
    field_order = ["full_name", "email", "password", "organization_name", "country", "time_zone"]

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if user_for_email(email) is not None:
            raise ValidationError(
                _("An account with %(email)s already exists. Log in instead, or reset your password if you forgot it."),
                params={"email": email},
                code="duplicate_email",
            )
        return email


@method_decorator(never_cache, name="dispatch")
class SignupView(View):
    template_name = "accounts/signup.html"

    def get(self, request):
        if request.user.is_authenticated:
            return redirect("signup_org")
        return render(request, self.template_name, {"form": SignupForm()})

    def post(self, request):
        if request.user.is_authenticated:
            return redirect("signup_org")
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, organization = account_signup(
                    email=data["email"],
                    password=data["password"],
                    full_name=data["full_name"],
                    organization_name=data["organization_name"],
                    country=data["country"],
                    time_zone=data["time_zone"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                login(request, user, backend=AUTH_BACKEND)
                messages.success(request, _("Welcome! %(name)s is ready.") % {"name": organization.name})
                return redirect(after_organization_created(organization))
        return render(request, self.template_name, {"form": form})


class OrganizationCreateView(LoginRequiredMixin, View):
    """A signed-in user creates another organization and becomes its administrator."""

    template_name = "accounts/org_new.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganizationFields()})

    def post(self, request):
        form = OrganizationFields(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                organization = organization_create_for_user(
                    user=request.user,
                    name=data["organization_name"],
                    country=data["country"],
                    time_zone=data["time_zone"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Created %(name)s.") % {"name": organization.name})
                return redirect(after_organization_created(organization))
        return render(request, self.template_name, {"form": form})


# --- Password reset and change ----------------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        # A new password ends any lockout of the email, so the person can log in with it right away.
        login_throttle.reset(email=normalize_email(form.user.email or form.user.get_username()))
        return super().form_valid(form)


# --- Invitations ------------------------------------------------------------------------------------------------------


class InvitationNewUserForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=300)
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password and not only digits."),
    )


class InvitationLoginForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(View):
    """``/invitations/<token>/``: a signed-in invitee joins; an existing account logs in; a new person signs up.

    The token proves control of the invited email, so the account that joins must be the one of that email.
    """

    template_name = "accounts/invitation.html"

    def dispatch(self, request, token: str):
        self.invitation = invitation_for_token(token)
        refusal = invitation_refusal(self.invitation)
        if refusal:
            status = 404 if self.invitation is None else 410
            return render(request, self.template_name, {"refusal": refusal}, status=status)
        self.existing_user = user_for_email(self.invitation.email)
        return super().dispatch(request, token)

    def context(self, **extra) -> dict:
        user = self.request.user
        signed_in_as_invitee = user.is_authenticated and normalize_email(user.email or user.username) == (
            self.invitation.email
        )
        return {
            "invitation": self.invitation,
            "signed_in_as_invitee": signed_in_as_invitee,
            "wrong_user": user.is_authenticated and not signed_in_as_invitee,
            "existing_user": self.existing_user is not None,
            **extra,
        }

    def empty_form(self):
        if self.request.user.is_authenticated:
            return None
        return InvitationLoginForm() if self.existing_user is not None else InvitationNewUserForm()

    def get(self, request, token: str):
        return render(request, self.template_name, self.context(form=self.empty_form()))

    def post(self, request, token: str):
        if request.user.is_authenticated:
            return self.accept(request, request.user)
        if self.existing_user is not None:
            form = InvitationLoginForm(request.POST)
            if form.is_valid():
                login_form = EmailAuthenticationForm(
                    request, data={"username": self.invitation.email, "password": form.cleaned_data["password"]}
                )
                if login_form.is_valid():
                    login(request, login_form.get_user())
                    return self.accept(request, login_form.get_user())
                for error in login_form.non_field_errors():
                    form.add_error("password", error)
            return render(request, self.template_name, self.context(form=form))
        form = InvitationNewUserForm(request.POST)
        if form.is_valid():
            try:
                membership = invitation_accept_new_user(
                    invitation=self.invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                login(request, membership.user, backend=AUTH_BACKEND)
                return self.joined(request, membership)
        return render(request, self.template_name, self.context(form=form))

    def accept(self, request, user):
        try:
            membership = invitation_accept(invitation=self.invitation, user=user)
        except ValidationError as exc:
            return render(request, self.template_name, self.context(form=None, error=" ".join(exc.messages)))
        return self.joined(request, membership)

    def joined(self, request, membership):
        messages.success(
            request,
            _("You joined %(organization)s as %(role)s.")
            % {"organization": membership.organization.name, "role": membership.role.name},
        )
        return redirect("dashboard", org_slug=membership.organization.slug)
