"""Moderation on the site itself: readers flag comments; staff approve, remove and lock
beside each comment (plain POST buttons in the discussion's one form, no JavaScript)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comments import moderation, thread
from comments.errors import CommentError
from comments.forms import FlagForm, RemoveForm
from comments.models import Comment
from comments.views import public_comment

STAFF_ACTIONS = ("approve", "remove", "lock", "unlock")


def error_page(request, message, status=400):
    return render(request, "comments/error.html", {"message": message}, status=status)


@login_required
def flag(request, pk):
    comment = public_comment(pk)
    if comment.status not in (Comment.Status.PUBLISHED, Comment.Status.FLAGGED):
        return error_page(request, "This comment is no longer shown.", status=404)
    if comment.is_author(request.user):
        return error_page(request, "You can't flag your own comment. You can edit or delete it instead.", status=403)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.flag(comment, request.user, form.cleaned_data["reason"], form.cleaned_data["note"])
        except moderation.AlreadyFlagged as notice:
            messages.info(request, notice.message)
        except CommentError as error:
            return error_page(request, error.message, status=error.status)
        else:
            messages.success(request, "Thank you. A moderator will look at this comment.")
        return redirect(thread.location(comment))
    return render(request, "comments/flag.html", {"comment": comment, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@login_required
def moderate(request):
    """The staff buttons beside each comment: the button pressed names the action and the
    comment. Removing asks for a reason first, on a small page of its own."""
    if not moderation.can_moderate(request.user):
        raise PermissionDenied("Only moderators can do that.")
    action = next((name for name in STAFF_ACTIONS if name in request.POST), None)
    pk = request.POST.get(action or "", "")
    if action is None or not pk.isdigit() or len(pk) > 18:
        return error_page(request, "No comment was chosen.")
    comment = public_comment(int(pk))
    form = RemoveForm(request.POST if "reason" in request.POST else None)
    try:
        if action == "remove" and not form.is_valid():
            return render(request, "comments/remove.html", {"comment": comment, "form": form},
                          status=400 if form.is_bound else 200)
        if action == "remove":
            entry = moderation.decide(comment, "remove", request.user, **form.cleaned_data)
        elif action == "approve":
            entry = moderation.decide(comment, "approve", request.user)
        else:
            entry = moderation.set_replies_locked(comment, action == "lock", request.user)
    except CommentError as error:
        return error_page(request, error.message, status=error.status)
    done = {"approve": "Comment approved: flags will no longer hide it.", "remove": "Comment removed.",
            "lock": "Replies to this comment are locked.", "unlock": "Replies to this comment are open again."}
    if entry is None:
        messages.warning(request, "Nothing changed: that does not apply to this comment now.")
    else:
        messages.success(request, done[action])
    return redirect(thread.location(comment))


def in_context(request, pk):
    """Where a comment is read in its discussion (the admin links here)."""
    return redirect(thread.location(public_comment(pk)))
