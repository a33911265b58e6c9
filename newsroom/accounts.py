"""Readers' accounts: sign up and the "Your account" page.

Signing in and out, changing and resetting a password are Django's own views
(`django.contrib.auth.urls`); their templates are in templates/registration/.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView, UpdateView

from newsroom import names
from newsroom.models import User
from notifications import confirmation

USERNAME_HELP = "What you sign in with: letters, digits and @ . + - _ only, 150 at most."
DISPLAY_NAME_HELP = "Shown beside what you write. Leave it empty to be shown by your username."
EMAIL_HELP = ("For password resets and the notifications you choose; never shown to other "
              "readers. A new address is confirmed by a link we mail to it.")


EMAIL_TAKEN = ("Another account already uses this email address. If it is yours, sign in, "
               "or ask for a password reset.")


def email_taken(email, *, exclude_pk=None):
    """Whether another account uses the address, compared as the database's unique
    constraint compares it (lower-cased there, so both sides agree)."""
    others = User.objects.alias(address=Lower("email")).filter(address=Lower(Value(email)))
    return bool(email) and others.exclude(pk=exclude_pk).exists()


class NameAndEmailRules:
    """The rules for the names and the email address of an account (newsroom/names.py),
    shared by sign-up, the account page and the admin's user forms."""

    def account_is_staff(self):
        return self.instance.is_staff

    def clean_name_field(self, field):
        value = self.cleaned_data.get(field)
        if not value or (self.instance.pk and field not in self.changed_data):
            # Refused already, empty where the field allows it, or a name kept as it was:
            # names from before a rule stay (check_names lists them), and the account's
            # other details can still be changed.
            return value
        return names.validate(value, account_pk=self.instance.pk, staff=self.account_is_staff())

    def clean_username(self):
        if hasattr(super(), "clean_username"):  # the creation forms refuse a taken username
            self.cleaned_data["username"] = super().clean_username()
        return self.clean_name_field("username")

    def clean_display_name(self):
        return self.clean_name_field("display_name")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def save_refusing_races(self, commit=True):
        """save(), but a unique constraint lost to a concurrent save becomes a form error
        (and returns None) instead of an IntegrityError."""
        try:
            with transaction.atomic():
                return self.save(commit=commit)
        except IntegrityError:
            if email_taken(self.cleaned_data.get("email", ""), exclude_pk=self.instance.pk):
                self.add_error("email", forms.ValidationError(EMAIL_TAKEN, code="email_taken"))
            else:
                self.add_error("username", "A user with that username already exists.")
            return None


class AccountFieldsMixin(NameAndEmailRules):
    """Display name and email, as both the sign-up form and the account page ask for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].help_text = DISPLAY_NAME_HELP
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields["email"].required = True
        self.fields["email"].help_text = EMAIL_HELP
        self.fields["email"].widget.attrs["autocomplete"] = "email"


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


def not_sent(email):
    """What a page says when the queue refused the mail with the confirmation link (it is
    logged): the account is saved all the same, and the link can be asked for again."""
    return format_html(
        'We could not send the link to confirm {} just now. Ask for a new one in a few minutes, '
        'from <a href="{}">your notification settings</a>.', email, reverse("notifications:settings"))


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
        # Someone may take the same username or address between the check and the save.
        user = form.save_refusing_races()
        if user is None:
            return self.form_invalid(form)
        sent = confirmation.start(user, new_account=True)
        login(self.request, user)
        messages.success(self.request, f"Welcome, {user.public_name}. You are signed in.")
        until = ("Until then you cannot post comments." if settings.COMMENTS_UNCONFIRMED_EMAIL == "refuse"
                 else "Until then your comments wait for a moderator.")
        if sent:
            messages.info(self.request, f"We sent a link to {user.email}: open it to confirm your address. {until}")
        else:
            messages.error(self.request, format_html("{} {}", not_sent(user.email), until))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.redirect_field_name] = self.get_redirect_url()
        return context


@method_decorator(sensitive_post_parameters("current_password"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "registration/profile.html"
    success_url = reverse_lazy("profile")
    success_message = "Your changes are saved."
    context_object_name = "account"  # not "user": that is the signed-in person in every template

    def get_object(self, queryset=None):
        # A copy, not request.user: a refused change must not show up in the page header.
        return User.objects.get(pk=self.request.user.pk)

    def form_valid(self, form):
        self.object = form.save_refusing_races()
        if self.object is None:
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        if "email" in form.changed_data:  # notifications stop until the new one is confirmed
            if confirmation.start(self.object):
                messages.info(self.request, f"We sent a link to {self.object.email}: open it to confirm "
                                            "your new address.")
            else:
                messages.error(self.request, not_sent(self.object.email))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view; the email names the site rather than its host name."""

    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME}
