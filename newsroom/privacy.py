"""An account's own data: "Download my data" and "Delete my account".

The download is one JSON file: the account, its comments (each with its article's address
and its own), their earlier versions, its recommendations and flags, what moderators decided
about its commenting, and its notification settings.

Deleting an account, after the person has typed their password:
- its comments lose their IP addresses and, as the person chooses, either stay where they
  are, shown under "[deleted account]", or are withdrawn: deleted as the author's Delete
  deletes one (or withdrawn under a moderator's removal), their words and earlier versions
  erased, replies by other people kept in place under the placeholder
  (comments/actions.forget_author, set-based under the threads' locks; the public count and
  the versions move there, through comments/versions.py);
- the account keeps its row, so what points at it stays consistent (its recommendations
  still count, its flags still hold, the moderation log keeps its decisions), but loses
  everything that names or reaches the person: username (a placeholder no one can sign up
  with), display name, email, password, last sign-in, groups, moderators' standing and note,
  notification settings, follows and the record of its mails; it can no longer sign in, and
  its sessions end. It is closed (inactive) first, in a transaction of its own, so that no
  comment from another tab can slip in while its comments are forgotten;
- the moderation log entries about its comments, and those about the person (bans,
  suspensions, trust), keep the decision (what, when, by whom, the reason's category, the
  statuses) and lose their notes, which may quote or name the person; its flags keep their
  reason and lose their notes.
Staff accounts are deleted by another member of staff in the admin, never this way.
"""

import json
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from comments import actions
from comments.models import Comment, Commenter, CommentRevision, Flag, ModerationLog, Recommendation
from newsroom.models import User
from newsroom.names import DELETED_NAME
from newsroom.ratelimit import limit_posts
from notifications.models import Follow, Notification, NotificationSettings

EXPORT_FORMAT = "newsroom-account-data/1"


# Notification settings (notifications/models.py) -------------------------------------------------

def notification_settings(user, absolute):
    """The person's notification settings, the discussions they follow and the mails the site
    recorded for them, as JSON-ready data. An account that never chose has the defaults."""
    chosen = NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)
    return {
        "confirmed_email": chosen.confirmed_email,
        "reply_mails": chosen.reply_mails,
        "digest": chosen.get_digest_display(),
        "following": [
            {"article": {"headline": follow.article.headline,
                         "url": absolute(follow.article.get_absolute_url()) if follow.article.is_public else None},
             "scope": follow.get_scope_display(), "since": when(follow.created_at)}
            for follow in Follow.objects.filter(user=user).select_related("article").order_by("created_at", "id")
        ],
        "mails": [
            {"comment": mail.comment_id, "kind": mail.get_kind_display(), "state": mail.get_state_display(),
             "created_at": when(mail.created_at), "sent_at": when(mail.sent_at)}
            for mail in Notification.objects.filter(recipient=user).order_by("created_at", "id")
        ],
    }


def erase_notification_settings(user):
    """In the transaction that erases the account: its settings, follows and the record of its
    mails (none is sent to it any more: it has no address)."""
    NotificationSettings.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()


# Download my data ------------------------------------------------------------------------------

def when(moment):
    return moment.isoformat() if moment else None


def account_data(user, absolute):
    """Everything the site keeps about the person, as JSON-ready data. `absolute` makes an
    address absolute (request.build_absolute_uri). A fixed number of queries."""
    comments = list(Comment.objects.filter(author=user).select_related("article").order_by("created_at", "id"))
    earlier = {}
    for revision in CommentRevision.objects.filter(comment__author=user).order_by("replaced_at", "id"):
        earlier.setdefault(revision.comment_id, []).append(
            {"text": revision.body, "written_at": when(revision.written_at),
             "replaced_at": when(revision.replaced_at)})
    in_context = reverse("comments:in_context", args=[0]).removesuffix("0/in-context/")
    standing = Commenter.objects.filter(user=user).first()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": when(timezone.now()),
        "account": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
            "replies_seen_at": when(user.replies_seen_at),
        },
        "commenting": {
            "banned": bool(standing and standing.banned),
            "suspended_until": when(standing and standing.suspended_until),
            "always_premoderated": bool(standing and standing.premoderate),
        },
        "comments": [
            {
                "id": comment.pk,
                "article": {
                    "headline": comment.article.headline,
                    "url": absolute(comment.article.get_absolute_url()) if comment.article.is_public else None,
                },
                "url": absolute(f"{in_context}{comment.pk}/in-context/") if comment.is_visible else None,
                "in_reply_to": comment.parent_id,
                "status": comment.get_status_display(),
                "withdrawn_at": when(comment.withdrawn_at),
                "created_at": when(comment.created_at),
                "edited_at": when(comment.edited_at),
                "text": comment.body,
                "earlier_versions": earlier.get(comment.pk, []),
                "ip_address": comment.ip_address,
            }
            for comment in comments
        ],
        "recommendations": [
            {"comment": comment_id, "url": absolute(f"{in_context}{comment_id}/in-context/"),
             "created_at": when(created_at)}
            for comment_id, created_at in Recommendation.objects.filter(user=user)
            .order_by("created_at", "id").values_list("comment_id", "created_at")
        ],
        "flags": [
            {"comment": flag.comment_id, "reason": flag.get_reason_display(), "note": flag.note,
             "created_at": when(flag.created_at)}
            for flag in Flag.objects.filter(user=user).order_by("created_at", "id")
        ],
        "notification_settings": notification_settings(user, absolute),
    }


@never_cache
@login_required
def download(request):
    data = account_data(request.user, request.build_absolute_uri)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    # Usernames are letters, digits and @.+-_ only: safe in a file name.
    response["Content-Disposition"] = f'attachment; filename="account-{request.user.username}.json"'
    return response


# Delete my account -----------------------------------------------------------------------------

KEEP, WITHDRAW = "keep", "withdraw"
STAFF_REFUSAL = ("Staff accounts cannot be deleted here: ask another member of staff to "
                 "remove your staff role first, or to delete the account in the admin.")


class DeleteAccountForm(forms.Form):
    comments = forms.ChoiceField(
        label="Your comments", widget=forms.RadioSelect,
        choices=[
            (KEEP, f"Leave them in place, shown as written by “{DELETED_NAME}”."),
            (WITHDRAW, "Withdraw them: their words are erased; replies by other people stay "
                       "in place, under a note that the comment was deleted."),
        ],
        error_messages={"required": "Please choose what happens to your comments."},
    )
    password = forms.CharField(
        label="Your password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you: this cannot be undone.",
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password_incorrect")
        return password


@dataclass(frozen=True)
class Deleted:
    comments_withdrawn: bool


def may_delete_themselves(user):
    return not (user.is_staff or user.is_superuser)


def delete_account(user, *, withdraw):
    """Erase the account (see the module's docstring). Refuses staff with PermissionDenied."""
    if not may_delete_themselves(user):
        raise PermissionDenied(STAFF_REFUSAL)
    # Closed first, on its own: a post under way in another tab holds the account's row until
    # it commits (comments/actions.open_account), so once this has committed every comment
    # the person will ever have is in the table for forget_author to find.
    User.objects.filter(pk=user.pk).update(is_active=False)
    try:
        actions.forget_author(user, withdraw=withdraw, finish=lambda: erase(user))
    except BaseException:
        # Nothing erased yet (or only some comments forgotten): the person can sign in and
        # ask again, which carries on from there.
        User.objects.filter(pk=user.pk).update(is_active=True)
        raise
    return Deleted(comments_withdrawn=withdraw)


def erase(user):
    """The account's own part, in the transaction that forgets its last comments."""
    # Entries about its comments and about the person (bans, suspensions, trust): each keeps
    # its decision, not the note that may quote or name them.
    ModerationLog.objects.filter(comment__author=user).exclude(note="").update(note="")
    ModerationLog.objects.filter(person=user).exclude(note="").update(note="")
    Flag.objects.filter(user=user).exclude(note="").update(note="")
    Commenter.objects.filter(user=user).delete()
    erase_notification_settings(user)
    user.set_unusable_password()  # and every session of it ends: its hash changes
    erased = {
        "username": f"[deleted {user.pk}]",  # brackets: no sign-up can take it
        "display_name": DELETED_NAME, "email": "", "first_name": "", "last_name": "",
        "password": user.password, "is_active": False, "last_login": None, "replies_seen_at": None,
    }
    # An UPDATE, not a save: the renaming signals would move the versions of every discussion
    # it wrote in here, outside those threads' locks; comments.actions.forget_author moves
    # them once this has committed, under the locks.
    User.objects.filter(pk=user.pk).update(**erased)
    for name, value in erased.items():
        setattr(user, name, value)
    user.groups.clear()
    user.user_permissions.clear()


@sensitive_post_parameters("password")
@never_cache
@login_required
@limit_posts("account-deletion")
def delete(request):
    user = request.user
    if not may_delete_themselves(user):
        if request.method == "POST":
            raise PermissionDenied(STAFF_REFUSAL)
        return render(request, "registration/delete_account.html", {"staff_refusal": STAFF_REFUSAL})
    form = DeleteAccountForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        delete_account(user, withdraw=form.cleaned_data["comments"] == WITHDRAW)
        logout(request)
        messages.success(request, "Your account is deleted. Thank you for taking part.")
        return redirect("home")
    return render(request, "registration/delete_account.html", {"form": form},
                  status=400 if form.errors else 200)
