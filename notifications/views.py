"""The pages of notifications: confirming an address, the notification settings, following
a discussion, and unsubscribing from a link in a mail (RFC 8058 one-click, without signing
in). None of them is a public page: nothing here is cached or shared."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import View

from newsroom.models import Article, User
from newsroom.ratelimit import too_many
from notifications import confirmation, tokens
from notifications.models import Follow, NotificationSettings


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class ConfirmView(View):
    """GET asks (a page with a button), POST confirms: mail scanners that fetch every link in
    a mail must not confirm an address. The signed token is the proof, as for unsubscribing,
    so the button works without the CSRF cookie (a browser that opens the link in another
    profile); a forged POST from elsewhere would need the token, which only the mail holds."""

    def get(self, request, token):
        _, email, outcome = confirmation.check(token)
        return render(request, "notifications/confirm.html",
                      {"outcome": outcome, "email": email}, status=outcome.status if outcome else 200)

    def post(self, request, token):
        outcome = confirmation.confirm(token)
        return render(request, "notifications/confirm.html", {"outcome": outcome}, status=outcome.status)


@require_POST
@login_required
def resend(request):
    user = request.user
    if confirmation.is_confirmed(user):
        messages.info(request, "Your address is already confirmed.")
    elif not user.email:
        messages.error(request, "Your account has no email address: add one on your account page first.")
    else:
        wait, sent = confirmation.resend(user)
        if wait:
            return too_many(request, wait, "A confirmation link was sent a moment ago.")
        if sent:
            messages.success(request, f"A new confirmation link is on its way to {user.email}.")
        else:
            messages.error(request, "We could not send a new confirmation link just now: "
                                    "please try again in a few minutes.")
    return redirect("notifications:settings")


class SettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["reply_mails", "digest"]
        widgets = {"digest": forms.RadioSelect}


@never_cache
@login_required
def settings_page(request):
    user = request.user
    mail_settings = NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)
    form = SettingsForm(request.POST or None, instance=mail_settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:settings")
    follows = Follow.objects.filter(user=user).select_related("article").order_by("-created_at")
    return render(request, "notifications/settings.html", {
        "form": form, "confirmed": mail_settings.email_confirmed, "follows": follows,
    }, status=400 if form.errors else 200)


STOP = "stop"


class FollowForm(forms.Form):
    scope = forms.ChoiceField(
        label="Mail me", widget=forms.RadioSelect,
        choices=[*Follow.Scope.choices, (STOP, "Nothing: stop following")],
    )


@never_cache
@login_required
def follow(request, article_id):
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    current = Follow.objects.filter(user=request.user, article=article).first()
    form = FollowForm(request.POST or None, initial={"scope": current.scope if current else Follow.Scope.TOP_LEVEL})
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"]
        if scope == STOP:
            Follow.objects.filter(user=request.user, article=article).delete()
            messages.success(request, "You no longer follow this discussion.")
        else:
            Follow.objects.update_or_create(user=request.user, article=article, defaults={"scope": scope})
            messages.success(request, "You follow this discussion: new comments come in your digest.")
        return redirect(article.get_absolute_url() + "#comments")
    return render(request, "notifications/follow.html", {
        "article": article, "form": form, "following": current,
        "confirmed": confirmation.is_confirmed(request.user),
    }, status=400 if form.errors else 200)


WHAT = {
    tokens.REPLIES: "mail about replies to your comments",
    tokens.DIGESTS: "digests of the discussions you follow (you will follow none)",
}


def stop(user, what):
    """Idempotent: stopping what is stopped changes nothing."""
    if what == tokens.REPLIES:
        NotificationSettings.objects.update_or_create(user=user, defaults={"reply_mails": False})
    else:
        Follow.objects.filter(user=user).delete()


@csrf_exempt  # mail clients POST here without cookies (RFC 8058); the signed token is the proof
@never_cache
def unsubscribe(request, token):
    try:
        user_id, what = tokens.read_unsubscribe(token)
    except tokens.InvalidToken:
        user_id = what = None
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    done = request.method == "POST"
    if done:
        stop(user, what)
    return render(request, "notifications/unsubscribe.html", {"what": WHAT[what], "done": done})
