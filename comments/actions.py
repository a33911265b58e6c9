"""Everything that changes comments: posting, editing, deleting, recommending.

Views, the admin and management commands all call these functions, so the rules (who may do
what, what the public count is, how trees are locked) live in one place.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comments import ratelimit, rules, tree, versions
from comments.errors import CommentError, DiscussionClosed
from comments.models import Comment, CommentRevision, ModerationLog, Recommendation
from newsroom.text import render_comment, strip_nul

# The same text sent twice within this time (a double click, a resubmitted form) is one comment.
DUPLICATE_WINDOW = timedelta(minutes=10)


def set_status(comment, status):
    """Change a comment's status and keep the article's public count and the discussion's
    versions in step."""
    was_visible = comment.is_visible
    comment.status = status
    comment.save(update_fields=["status"])
    versions.discussion_changed(comment, count=int(comment.is_visible) - int(was_visible))


def hold(comment, why, status_before=""):
    """Record why the site's own rules (not a moderator) sent a comment to the pending queue."""
    ModerationLog.objects.create(
        comment=comment, action=ModerationLog.Action.HOLD, note=why,
        status_before=status_before, status_after=Comment.Status.PENDING,
    )


def post_comment(*, article, body, author=None, guest_name="", guest_email="", parent=None,
                 ip_address=None):
    """Post a new comment or a reply. Returns the comment (an identical recent one if this is
    a resubmission). Raises CommentError with a readable message when it is refused."""
    body = strip_nul(body).strip()
    if not article.accepts_comments:
        raise DiscussionClosed("Comments on this article are closed.")
    if author is None and not settings.COMMENTS_ALLOW_GUESTS:
        raise DiscussionClosed("Please sign in to comment.")
    person = rules.standing(author)
    rules.check_author(author, person)
    rules.check_words(body)
    body_html = render_comment(body)  # before the lock: the lock covers numbering and insert

    with tree.locked(parent.tree_id if parent else None):
        if parent is not None:
            parent = Comment.objects.get(pk=parent.pk)  # fresh lft/rght, under the lock
            if parent.article_id != article.pk:
                raise CommentError("That comment belongs to another discussion.")
            if not parent.is_visible:
                raise CommentError("You can't reply to this comment: it is no longer shown.")
            if parent.replies_locked:
                raise DiscussionClosed("A moderator has closed replies to this comment.")
        duplicate = find_duplicate(article, body, author, guest_name, ip_address, parent)
        if duplicate:
            return duplicate
        if author is None or not author.is_staff:
            ratelimit.hit(author, ip_address)
        status, why = rules.initial_status(article, author, body, person)
        comment = Comment(
            article=article, parent=parent, author=author, guest_name=guest_name.strip(),
            guest_email=guest_email, body=body, body_html=body_html, status=status,
            ip_address=ip_address,
        )
        save_new(comment)
        if why:
            hold(comment, why)
    return comment


def save_new(comment):
    """Insert a new comment; the caller holds tree.locked() for its parent's thread (or for
    new threads) and has read the parent inside that lock. Its body_html is rendered
    beforehand, outside the lock, so that nothing slow holds up the thread's other writers."""
    if comment.parent is not None:
        # The parent was read inside the lock: django-mptt need not read its numbers again.
        Comment.objects.insert_node(comment, comment.parent, refresh_target=False)
    comment.save()
    versions.discussion_changed(comment, count=int(comment.is_visible))
    return comment


def find_duplicate(article, body, author, guest_name, ip_address, parent):
    same = Comment.objects.filter(
        article=article, parent=parent, body=body,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    )
    if author is not None:
        same = same.filter(author=author)
    else:
        same = same.filter(author=None, guest_name=guest_name.strip(), ip_address=ip_address)
    return same.order_by("pk").first()


def edit_comment(comment, user, body):
    """The author rewrites their comment within the edit window; the old text is kept."""
    body = strip_nul(body).strip()
    body_html = render_comment(body)  # before the row lock, as posting renders before its lock
    with transaction.atomic():
        return _save_edit(comment, user, body, body_html)


def _save_edit(comment, user, body, body_html):
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not comment.can_edit(user):
        raise PermissionDenied("Only the author can edit a comment, and only for a short while.")
    if body == comment.body:
        return comment
    rules.check_words(body)
    why = rules.edit_status(comment, body)
    if why:
        hold(comment, why, status_before=comment.status)
        set_status(comment, Comment.Status.PENDING)
    CommentRevision.objects.create(
        comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
    )
    comment.body, comment.body_html, comment.edited_at = body, body_html, timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    versions.discussion_changed(comment)
    return comment


@transaction.atomic
def delete_comment(comment, user):
    """The author takes their words back. Replies stay where they are, under a placeholder."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not comment.is_author(user):
        raise PermissionDenied("Only the author can delete a comment.")
    if comment.status != Comment.Status.DELETED:
        set_status(comment, Comment.Status.DELETED)
    return comment


@transaction.atomic
def recommend(comment, user):
    if comment.is_author(user):
        raise CommentError("You can't recommend your own comment.")
    if not comment.is_visible:
        raise CommentError("This comment is not shown, so it can't be recommended.")
    _, created = Recommendation.objects.get_or_create(comment=comment, user=user)
    if created:
        Comment.objects.filter(pk=comment.pk).update(recommend_count=F("recommend_count") + 1)
        versions.discussion_changed(comment)  # the count shown, and the "best" order


@transaction.atomic
def withdraw_recommendation(comment, user):
    deleted, _ = Recommendation.objects.filter(comment=comment, user=user).delete()
    if deleted:
        Comment.objects.filter(pk=comment.pk).update(recommend_count=F("recommend_count") - 1)
        versions.discussion_changed(comment)
