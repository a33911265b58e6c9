"""Readers' accounts: sign up and the "Your account" page.

Signing in and out, changing and resetting a password are Django's own views
(`django.contrib.auth.urls`); their templates are in templates/registration/.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView, UpdateView

from newsroom.models import User

USERNAME_HELP = "What you sign in with: letters, digits and @ . + - _ only, 150 at most."
DISPLAY_NAME_HELP = "Shown beside what you write. Leave it empty to be shown by your username."
EMAIL_HELP = "Used only to reset your password; never shown to other readers."


class AccountFieldsMixin:
    """Display name and email, as both the sign-up form and the account page ask for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].help_text = DISPLAY_NAME_HELP
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields["email"].required = True
        self.fields["email"].help_text = EMAIL_HELP
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_display_name(self):
        name = self.cleaned_data["display_name"]
        # Tabs, line breaks and other control characters have no place in a name on a page.
        if any(unicodedata.category(char) == "Cc" for char in name):
            raise forms.ValidationError(
                "A display name cannot contain tabs, line breaks or other control characters."
            )
        return name


class SignupForm(AccountFieldsMixin, UserCreationForm):
    # UserCreationForm refuses a username that differs from an existing one only in case,
    # and checks the password twice against AUTH_PASSWORD_VALIDATORS.

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")
        help_texts = {"username": USERNAME_HELP}


class ProfileForm(AccountFieldsMixin, forms.ModelForm):
    # Password resets go to the email address: whoever changes it could take the account,
    # so a new address needs the current password (a borrowed session is not enough).
    current_password = forms.CharField(
        label="Current password", required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your email address.",
    )

    class Meta:
        model = User
        fields = ("display_name", "email")

    def clean(self):
        cleaned = super().clean()
        if "email" in self.changed_data and not self.instance.check_password(
            cleaned.get("current_password", "")
        ):
            self.add_error("current_password", "To change your email address, enter your current password.")
        return cleaned


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
@method_decorator(csrf_protect, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class SignupView(auth_views.RedirectURLMixin, CreateView):
    form_class = SignupForm
    template_name = "registration/signup.html"
    next_page = "home"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:
            # Someone took the same username between the check and the save.
            form.add_error("username", "A user with that username already exists.")
            return self.form_invalid(form)
        login(self.request, user)
        messages.success(self.request, f"Welcome, {user.public_name}. You are signed in.")
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.redirect_field_name] = self.get_redirect_url()
        return context


@method_decorator(sensitive_post_parameters("current_password"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "registration/profile.html"
    success_url = reverse_lazy("profile")
    success_message = "Your changes are saved."
    context_object_name = "account"  # not "user": that is the signed-in person in every template

    def get_object(self, queryset=None):
        # A copy, not request.user: a refused change must not show up in the page header.
        return User.objects.get(pk=self.request.user.pk)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view; the email names the site rather than its host name."""

    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME}
