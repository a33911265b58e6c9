"""Who may see which comment, for the pages that name one comment by its id.

A comment the person may not see (pending, removed, spam, deleted or hidden after flags, for
anyone but its author and moderators) is answered exactly as a comment that does not exist:
same status, same page, same words. Otherwise the flag page, the reply form, recommending and
the in-context link would tell anyone which ids are waiting or were removed. Those answers are
also counted per address (COMMENTS_PROBE_RATE_LIMITS), so ids cannot be swept in bulk.
"""

from comments import ratelimit
from comments.errors import NoSuchComment
from comments.models import Comment
from comments.moderation import can_moderate
from newsroom.models import Article


def shown_to_everyone(comments):
    """Of these comments, those the public reads: published, on a published article. Mail
    (notifications/) goes out about these only."""
    return comments.visible().filter(article__in=Article.objects.published())


def may_see(comment, user):
    return comment.is_visible or comment.is_author(user) or can_moderate(user)


def public_comment(request, pk):
    """A comment on a published article, shown or not (the caller decides what to show)."""
    comment = (
        Comment.objects.select_related("article", "author")
        .filter(pk=pk, article__in=Article.objects.published())
        .first()
    )
    if comment is None:
        raise missing(request)
    return comment


def shown_comment(request, pk):
    """The comment if this person may see it; else exactly what a missing id gets."""
    comment = public_comment(request, pk)
    if not may_see(comment, request.user):
        raise missing(request)
    return comment


def missing(request):
    """The error for an id this person may not know about (raise it), after counting it."""
    ratelimit.probe(request.META.get("REMOTE_ADDR"))
    return NoSuchComment()
