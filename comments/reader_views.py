"""A signed-in reader's own pages about their comments: "Replies to you" (comments/replies.py)
and "Your comments", where every comment they wrote shows what became of it, so a comment
held for a moderator or removed never simply vanishes for its author.

Both are personal (never cached, never shared: newsroom/pagecache.py marks them private) and
read in a fixed number of queries whatever the number of comments (tests/test_reader_pages.py).
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from comments import replies, rules
from comments.models import Comment, ModerationLog

PER_PAGE = 20
S = Comment.Status
Action = ModerationLog.Action


@never_cache
@login_required
def replies_to_you(request):
    user = request.user
    before = replies.seen_until(user)
    now = timezone.now()  # before reading: a reply arriving meanwhile stays unread
    page = Paginator(replies.page(user), PER_PAGE).get_page(request.GET.get("page"))
    for reply in page:
        reply.is_new = reply.shown_at > before
    replies.mark_seen(user, now)
    # The header's count is read after the page is marked seen, so it would be 0 (or the
    # replies that came meanwhile, which the next page load shows): no query for it here.
    return render(request, "comments/replies.html", {"page": page, "unread_replies": ""})


@dataclass(frozen=True)
class State:
    label: str  # what became of it, in words for its author
    css: str  # the class of its mark: published, waiting, removed, deleted


def state(comment, decision):
    """What became of one of the reader's comments. `decision`: the last moderator's removal
    or spam decision logged about it (None if there is none)."""
    withdrawn = " You withdrew it afterwards." if comment.withdrawn_at else ""
    if comment.status == S.PUBLISHED:
        return State("Published", "published")
    if comment.status == S.PENDING:
        return State("Waiting for a moderator: it is shown once approved.", "waiting")
    if comment.status == S.FLAGGED:
        return State("Hidden after readers' flags, until a moderator has reviewed it.", "waiting")
    if comment.status == S.DELETED:
        return State("Deleted by you.", "deleted")
    reason = decision.get_reason_display() if decision and decision.reason else ""
    if comment.status == S.SPAM:
        return State(f"Removed by a moderator as spam.{withdrawn}", "removed")
    because = f": {reason}." if reason else "."
    return State(f"Removed by a moderator{because}{withdrawn}", "removed")


@never_cache
@login_required
def your_comments(request):
    user = request.user
    comments = (Comment.objects.filter(author=user).select_related("article", "author")
                .order_by("-created_at", "-id"))
    page = Paginator(comments, PER_PAGE).get_page(request.GET.get("page"))
    removed = [comment.pk for comment in page if comment.status in (S.REMOVED, S.SPAM)]
    decisions = {}
    if removed:
        # Oldest first: each comment keeps its latest decision. Only the reason's category
        # is shown: a moderator's note is written for other moderators.
        for entry in (ModerationLog.objects.filter(comment__in=removed, action__in=[Action.REMOVE, Action.SPAM])
                      .order_by("created_at", "id").only("comment_id", "reason")):
            decisions[entry.comment_id] = entry
    for comment in page:
        comment.state = state(comment, decisions.get(comment.pk))
        comment.editable = not comment.edit_refusal(user)
    return render(request, "comments/your_comments.html", {
        "page": page,
        "refusal": rules.refusal(user, rules.standing(user)),
    })
