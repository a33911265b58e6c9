"""Moderation on the site itself: readers flag comments; staff approve, remove, restore, lock
and pick beside each comment (plain POST buttons in the discussion's one form, no JavaScript)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comments import in_place, moderation, thread
from comments.errors import CommentError, NoSuchComment, NotAllowed
from comments.forms import FlagForm, PickForm, RemoveForm
from comments.models import Comment
from comments.views import answers_errors
from comments.visibility import shown_comment

FLAGGED = "Thank you. A moderator will look at this comment."
STAFF_ACTIONS = ("approve", "remove", "restore", "lock", "unlock", "pick", "unpick")


@login_required
@answers_errors
def flag(request, pk):
    comment = shown_comment(request, pk)  # a hidden comment's text is shown to nobody here
    if comment.is_author(request.user):
        raise NotAllowed("You can't flag your own comment. You can edit or delete it instead.")
    if comment.status not in (Comment.Status.PUBLISHED, Comment.Status.FLAGGED):
        raise NoSuchComment("This comment is not shown, so it can't be flagged.")  # moderators
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.flag(comment, request.user, form.cleaned_data["reason"], form.cleaned_data["note"])
        except moderation.AlreadyFlagged as notice:
            said = notice.message
        else:
            said = FLAGGED
        if in_place.wanted(request):
            return in_place.answer("done", id=comment.pk, message=said)
        messages.add_message(request, messages.SUCCESS if said == FLAGGED else messages.INFO, said)
        return redirect(thread.location(comment))
    if form.errors and in_place.wanted(request):
        return in_place.refused(in_place.form_errors(form))
    return render(request, "comments/flag.html", {"comment": comment, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@login_required
@answers_errors
def moderate(request):
    """The staff buttons beside each comment: the button pressed names the action and the
    comment. Removing and picking ask for a reason first, each on a small page of its own."""
    if not moderation.can_moderate(request.user):
        raise NotAllowed("Only moderators can do that.")
    action = next((name for name in STAFF_ACTIONS if name in request.POST), None)
    pk = request.POST.get(action or "", "")
    if action is None or not pk.isdigit() or len(pk) > 18:
        raise CommentError("No comment was chosen.")
    comment = shown_comment(request, int(pk))
    form = RemoveForm(request.POST if "reason" in request.POST else None)
    if action == "remove" and not form.is_valid():
        return render(request, "comments/remove.html", {"comment": comment, "form": form},
                      status=400 if form.is_bound else 200)
    pick_form = PickForm(request.POST if "pick_reason" in request.POST else None,
                         initial={"pick_reason": comment.pick_reason})
    if action == "pick" and not pick_form.is_valid():
        return render(request, "comments/pick.html", {"comment": comment, "form": pick_form},
                      status=400 if pick_form.is_bound else 200)
    if action == "pick":
        entry = moderation.set_picked(comment, True, request.user, reason=pick_form.cleaned_data["pick_reason"])
    elif action == "unpick":
        entry = moderation.set_picked(comment, False, request.user)
    elif action == "remove":
        entry = moderation.decide(comment, "remove", request.user, **form.cleaned_data)
    elif action in ("approve", "restore"):
        entry = moderation.decide(comment, action, request.user)
    else:
        entry = moderation.set_replies_locked(comment, action == "lock", request.user)
    done = {"approve": "Comment approved: flags will no longer hide it.", "remove": "Comment removed.",
            "restore": "Comment restored.",
            "lock": "Replies to this comment are locked.", "unlock": "Replies to this comment are open again.",
            "pick": "Comment picked: it shows among the editors’ picks with your reason.",
            "unpick": "Comment no longer picked."}
    if entry is None:
        messages.warning(request, "Nothing changed: that does not apply to this comment now.")
    else:
        messages.success(request, done[action])
    return redirect(thread.location(comment, everything=True))  # the page of the moderator's view


@answers_errors
def in_context(request, pk):
    """Where a comment is read in its discussion (the admin links here)."""
    return redirect(thread.location(shown_comment(request, pk)))
