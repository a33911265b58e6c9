"""Replies to a reader's comments: the "Replies to you" page and the count of unread ones in
the header of every signed-in page.

Read from the comment trees, nothing stored per reply: a reply to you is a published comment,
on a published article, whose parent is your comment and which is not yours. It is unread when
it was shown after `User.replies_seen_at` (when you last opened the page; until then, when you
joined): `Comment.shown_at`, when it was posted shown, or approved or restored later, so a
reply a moderator approved after your visit is new to you then, however long ago it was
written. Counted from the comments shown since, that is from their partial index, or from the
person's own comments and the replies to each (PostgreSQL picks whichever is fewer): a few
milliseconds at 100,000 comments either way.

Only signed-in pages carry the count (newsroom/context_processors.py, evaluated only where
the header shows it), so the anonymous pages stay the same for everyone and cacheable.
"""

from django.utils import timezone

from comments.models import Comment
from newsroom.models import Article, User

# The header shows "99+" past this: counting stops there, so a reader with thousands of
# unread replies costs no more than one with a hundred.
UNREAD_SHOWN = 99
PER_PAGE = 20


def to(user):
    """The replies to this person's comments that the public can read."""
    return (
        Comment.objects.filter(parent__author=user, status=Comment.Status.PUBLISHED,
                               article__in=Article.objects.published())
        .exclude(author=user)
    )


def seen_until(user):
    return user.replies_seen_at or user.date_joined


def unread_count(user):
    """How many replies arrived since the person last looked, up to UNREAD_SHOWN + 1."""
    return to(user).filter(shown_at__gt=seen_until(user)).order_by()[: UNREAD_SHOWN + 1].count()


def unread_label(user):
    """The header's badge: "" with nothing unread, else "3" or "99+"."""
    count = unread_count(user)
    if not count:
        return ""
    return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)


def page(user):
    """Newest to the reader first (by when each was shown), each with what the page shows of
    it (its article, its author, the comment it answers)."""
    return to(user).select_related("article", "author", "parent").order_by("-shown_at", "-id")


def mark_seen(user, moment=None):
    """The person has seen their replies up to `moment` (now): the header's count starts again."""
    moment = moment or timezone.now()
    # A plain UPDATE: saving the account would run the renaming signals for nothing.
    User.objects.filter(pk=user.pk).update(replies_seen_at=moment)
    user.replies_seen_at = moment
    return moment
