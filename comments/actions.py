"""Everything that changes comments: posting, editing, deleting, recommending.

Views, the admin and management commands all call these functions, so the rules (who may do
what, what the public count is, how trees are locked) live in one place.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q, Subquery
from django.utils import timezone

from comments import capacity, ratelimit, rules, tree, triage, versions
from comments.errors import CommentError, DiscussionClosed, MayBreakRules, NoSuchComment, NotAllowed
from comments.models import Comment, CommentRevision, ModerationLog, Recommendation
from newsroom.prepared import PreparedQuery
from newsroom.text import render_comment, strip_nul
from notifications import queue as notifications

# The same text sent twice within this time (a double click, a resubmitted form) is one comment.
DUPLICATE_WINDOW = timedelta(minutes=10)
NO_PARENT = "The comment you replied to does not exist."
ACCOUNT_CLOSED = "This account is closed: it can no longer post."
# Statuses only a moderator's decision leads to: an author's delete must not undo them.
MODERATORS_STATUSES = frozenset({Comment.Status.REMOVED, Comment.Status.SPAM})


def set_status(comment, status):
    """Change a comment's status and keep the article's public count and the discussion's
    versions in step; a comment coming into view (approved, restored) is notified about once
    the change commits."""
    was_visible = comment.is_visible
    comment.status = status
    shown = comment.is_visible and not was_visible
    if shown:
        comment.shown_at = timezone.now()
    comment.save(update_fields=["status", "shown_at"] if shown else ["status"])
    versions.discussion_changed(comment, count=int(comment.is_visible) - int(was_visible))
    if shown:
        notifications.comments_shown([comment.pk])


def log(comment, action, moderator=None, *, reason="", note="", status_before=""):
    """Write one moderation log entry for a change just made to `comment`. Callers read the
    comment under its row lock (or the thread's lock) first, so status_before is the status
    the change really replaced, never a stale copy."""
    return ModerationLog.objects.create(
        comment=comment, moderator=moderator, action=action, reason=reason, note=note,
        status_before=status_before or comment.status, status_after=comment.status,
    )


def log_about(action, *, article_id=None, person=None, moderator=None, note=""):
    """Write one log entry about a whole discussion (an article) or a person, not a comment:
    pre-moderation and closing (by an editor or by the backlog), bans, suspensions, trust."""
    return ModerationLog.objects.create(article_id=article_id, person=person, moderator=moderator,
                                        action=action, note=note)


def hold(comment, why, status_before=""):
    """Record why the site's own rules (not a moderator) sent a comment to the pending queue."""
    ModerationLog.objects.create(
        comment=comment, action=ModerationLog.Action.HOLD, note=why,
        status_before=status_before, status_after=Comment.Status.PENDING,
    )


def post_comment(*, article, body, author=None, guest_name="", guest_email="", parent=None,
                 ip_address=None, confirmed=False):
    """Post a new comment or a reply. Returns the comment (an identical recent one if this is
    a resubmission). Raises CommentError with a readable message when it is refused, and
    MayBreakRules when its abuse score is high and the writer has not `confirmed` they want
    it posted all the same (it then waits for a moderator)."""
    body = strip_nul(body).strip()
    if not article.accepts_comments:
        raise DiscussionClosed("Comments on this article are closed.")
    if author is None and not settings.COMMENTS_ALLOW_GUESTS:
        raise DiscussionClosed("Please sign in to comment.")
    person = rules.standing(author)
    rules.check(author, body, person)
    body_html = render_comment(body)  # before the lock: the lock covers numbering and insert
    scores = triage.score(body, author, ip_address=ip_address)  # before the lock too
    if not confirmed and rules.may_break_rules(scores, author, person):
        raise MayBreakRules(scores)
    # Whether it waits for a moderator depends on nothing the lock guards: decided before it.
    status, why = rules.status_for(article, author, body, person, scores)

    with tree.locked(parent.tree_id if parent else None):
        if parent is not None:
            # The thread's lock, then the parent's row (the lock order, comments/tree.py):
            # a removal or deletion of the parent either committed before this read (and the
            # reply is refused) or waits until the reply has committed. Fresh lft/rght too.
            parent = tree.read_for_change(parent.pk)
            if not parent.is_visible:  # answered exactly as a comment that does not exist
                raise CommentError(NO_PARENT)
            if parent.article_id != article.pk:
                raise CommentError("That comment belongs to another discussion.")
            if parent.replies_locked:
                raise DiscussionClosed("A moderator has closed replies to this comment.")
        duplicate = find_duplicate(article, body, author, guest_name, ip_address, parent)
        if duplicate:
            return duplicate
        if author is None or not author.is_staff:
            ratelimit.hit(author, ip_address)
        comment = Comment(
            article=article, parent=parent, author=author, guest_name=guest_name.strip(),
            guest_email=guest_email, body=body, body_html=body_html, status=status,
            ip_address=ip_address, spam_score=scores.spam, abuse_score=scores.abuse,
            score_reason=scores.reason,
        )
        save_new(comment)
        if why:
            hold(comment, why)
    capacity.after_post(article)  # committed, the thread's lock released
    return comment


def open_account(account, duplicate):
    """The account's row if it may still post, locked until the transaction ends (the comment
    is committed): deleting an account closes it first (an UPDATE of that row, committed on
    its own, newsroom/privacy.py), so a post from another tab either commits before the
    deletion starts forgetting the account's comments, and is forgotten with them, or finds
    the account closed. Another post by the same person waits a moment; nobody else's does.
    With it, the id of the comment this one would repeat (`duplicate`, a subquery), if any."""
    return (get_user_model().objects.select_for_update(no_key=True)
            .filter(pk=account, is_active=True).order_by()
            .annotate(duplicate=duplicate).values_list("duplicate"))


def same_comment(article, body, since, account, parent=None):
    same = Comment.objects.filter(article_id=article, body=body, created_at__gte=since, author_id=account)
    same = same.filter(parent_id=parent) if parent is not None else same.filter(parent__isnull=True)
    return Subquery(same.order_by("pk").values("pk")[:1])


# Asked inside the thread's lock by every post from an account (compiled once per process).
OPEN_ACCOUNT_REPLY = PreparedQuery(
    lambda account, article, parent, body, since:
    open_account(account, same_comment(article, body, since, account, parent)),
    account=int, article=int, parent=int, body=str, since=datetime,
)
OPEN_ACCOUNT_ROOT = PreparedQuery(
    lambda account, article, body, since: open_account(account, same_comment(article, body, since, account)),
    account=int, article=int, body=str, since=datetime,
)


def save_new(comment):
    """Insert a new comment; the caller holds tree.locked() for its parent's thread (or for
    new threads) and has read the parent inside that lock. Its body_html is rendered
    beforehand, outside the lock, so that nothing slow holds up the thread's other writers."""
    if comment.parent is not None:
        # The parent was read inside the lock: django-mptt need not read its numbers again.
        Comment.objects.insert_node(comment, comment.parent, refresh_target=False)
    if comment.is_visible:
        comment.shown_at = comment.created_at
    comment.save()
    # A new thread's root has no version yet to move: nothing was ever kept under its id.
    versions.discussion_changed(comment, count=int(comment.is_visible), thread=comment.parent is not None)
    if comment.is_visible:  # a held one is notified about when it is approved (set_status)
        notifications.comments_shown([comment.pk])
    return comment


def find_duplicate(article, body, author, guest_name, ip_address, parent):
    """The same text from the same writer in the same place within DUPLICATE_WINDOW (a double
    click, a resubmitted form), or None. For an account, asked in one query with the
    account's row, which it locks (open_account); NotAllowed if the account is closed."""
    since = timezone.now() - DUPLICATE_WINDOW
    if author is None:
        return Comment.objects.filter(
            article=article, parent=parent, body=body, created_at__gte=since,
            author=None, guest_name=guest_name.strip(), ip_address=ip_address,
        ).order_by("pk").first()
    if parent is not None:
        found = OPEN_ACCOUNT_REPLY.rows(account=author.pk, article=article.pk, parent=parent.pk,
                                        body=body, since=since)
    else:
        found = OPEN_ACCOUNT_ROOT.rows(account=author.pk, article=article.pk, body=body, since=since)
    if not found:
        raise NotAllowed(ACCOUNT_CLOSED)
    [(duplicate,)] = found
    return None if duplicate is None else Comment.objects.get(pk=duplicate)


def edit_comment(comment, user, body, confirmed=False):
    """The author rewrites their comment within the edit window; the old text is kept.

    An edit passes the rules a new comment passes (comments/rules.py): a banned or suspended
    person cannot edit, a banned word is refused, and whatever would make a new comment wait
    (a suspect word, a pre-moderated article or person, a new account) sends the edited
    comment back to the pending queue, logged as a hold; a high abuse score asks the writer
    first, as for a new comment (MayBreakRules). A moderator's approval was of the
    old text, so readers' flags can hide the new one again."""
    refusal = comment.edit_refusal(user)
    if refusal:
        raise NotAllowed(refusal)
    body = strip_nul(body).strip()
    person = rules.standing(user)
    rules.check(user, body, person)
    body_html = render_comment(body)  # before the row lock: rendering is the slow part
    scores = triage.score(body, user, comment=comment)  # so is scoring
    if not confirmed and rules.may_break_rules(scores, user, person):
        raise MayBreakRules(scores)
    with tree.changing(comment) as comment:
        refusal = comment.edit_refusal(user)  # a moderator may have decided meanwhile
        if refusal:
            raise NotAllowed(refusal)
        if body == comment.body:
            return comment
        was_shown = comment.is_visible  # readers saw the text it replaces
        status, why = rules.status_for(comment.article, user, body, person, scores)
        if why and comment.status == Comment.Status.PUBLISHED:
            hold(comment, why, status_before=comment.status)
            set_status(comment, Comment.Status.PENDING)
        CommentRevision.objects.create(
            comment=comment, body=comment.body, body_html=comment.body_html,
            written_at=comment.edited_at or comment.created_at, was_shown=was_shown,
        )
        comment.body, comment.body_html, comment.edited_at = body, body_html, timezone.now()
        comment.reviewed_at = None
        comment.spam_score, comment.abuse_score = scores.spam, scores.abuse
        comment.score_reason = scores.reason
        comment.save(update_fields=["body", "body_html", "edited_at", "reviewed_at",
                                    "spam_score", "abuse_score", "score_reason"])
        versions.discussion_changed(comment)
    if comment.status == Comment.Status.PENDING:
        capacity.after_post(comment.article)
    return comment


def delete_comment(comment, user):
    """The author takes their words back; replies stay where they are, under a placeholder.

    A moderator's removal or spam decision stands: deleting such a comment only withdraws it
    (withdrawn_at) while its status, its queue and Restore stay the moderator's; restoring it
    later deletes it, as its author asked. Both are logged."""
    with tree.changing(comment) as comment:
        if not comment.is_author(user):
            raise NotAllowed("Only the author can delete a comment.")
        before = comment.status
        if comment.status in MODERATORS_STATUSES:
            if comment.withdrawn_at is None:
                comment.withdrawn_at = timezone.now()
                comment.save(update_fields=["withdrawn_at"])
                log(comment, ModerationLog.Action.WITHDRAW, status_before=before)
        elif comment.status != Comment.Status.DELETED:
            set_status(comment, Comment.Status.DELETED)
            log(comment, ModerationLog.Action.DELETE, status_before=before)
    return comment


def recommend(comment, user):
    with tree.changing(comment) as comment:
        if not comment.is_visible:
            raise NoSuchComment()
        if comment.is_author(user):
            raise CommentError("You can't recommend your own comment.")
        _, created = Recommendation.objects.get_or_create(comment=comment, user=user)
        if created:
            Comment.objects.filter(pk=comment.pk).update(recommend_count=F("recommend_count") + 1)
            versions.discussion_changed(comment)  # the count shown, and the "best" order


def withdraw_recommendation(comment, user):
    with tree.changing(comment) as comment:
        deleted, _ = Recommendation.objects.filter(comment=comment, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(recommend_count=F("recommend_count") - 1)
            versions.discussion_changed(comment)


def forget_author(user, *, withdraw, finish=None):
    """An account is being deleted: its comments lose their IP addresses and, if the person
    chose `withdraw`, are withdrawn as delete_comment() withdraws one (deleted, or withdrawn
    under a moderator's removal, logged either way; replies by others keep their place under
    the placeholder) and lose their words and earlier versions. Left in place instead, they
    keep their words and show the name of the deleted account (the caller's `finish`, which
    renames the account without moving any version; the versions of the discussions that
    show the new name move afterwards, under their threads' locks); those the person had
    deleted or withdrawn before lose their words either way.

    Set-based, as bulk decisions are (comments/moderation.py): the person's threads are taken
    THREADS_PER_TRANSACTION at a time, their locks ascending, then the rows, then the counts
    and versions (comments/versions.py). `finish()` runs in the transaction of the last
    group, so the account is erased together with its last comments or not at all; a failure
    before that leaves the account as it was, with some of its comments already forgotten,
    and asking again carries on from there."""
    from comments.moderation import THREADS_PER_TRANSACTION

    while True:
        threads = sorted(set(to_forget(user, withdraw).values_list("tree_id", flat=True)))
        group, last = threads[:THREADS_PER_TRANSACTION], len(threads) <= THREADS_PER_TRANSACTION
        with tree.locked_threads(group):
            forget_in_threads(user, group, withdraw)
            if last:
                if finish is not None:
                    finish()
                break
    if not withdraw and finish is not None:
        # The comments left in place show the account's new name from now on.
        versions.name_shown_changed(user, THREADS_PER_TRANSACTION)


def words_to_erase(withdraw):
    """Which of the person's comments lose their words: all of them when withdrawn, else
    those they had taken back themselves."""
    return Q() if withdraw else Q(status=Comment.Status.DELETED) | Q(withdrawn_at__isnull=False)


def to_forget(user, withdraw):
    """The person's comments not yet forgotten (a comment that lost its words has body "")."""
    return Comment.objects.filter(
        Q(ip_address__isnull=False) | (words_to_erase(withdraw) & ~Q(body="")), author=user
    )


def forget_in_threads(user, threads, withdraw):
    """One transaction of forget_author(), under the locks of these threads."""
    from comments.moderation import batches

    mine = to_forget(user, withdraw).filter(tree_id__in=threads)
    rows = list(mine.for_change().order_by("pk")
                .values_list("pk", "article_id", "tree_id", "status", "withdrawn_at"))
    if not rows:
        return
    now, entries, counts, changed = timezone.now(), [], Counter(), set()
    deleted, withdrawn = [], []
    for pk, article_id, tree_id, status, withdrawn_at in rows if withdraw else ():
        if status in MODERATORS_STATUSES:
            if withdrawn_at is None:
                withdrawn.append(pk)
                entries.append((pk, ModerationLog.Action.WITHDRAW, status, status))
        elif status != Comment.Status.DELETED:
            deleted.append(pk)
            entries.append((pk, ModerationLog.Action.DELETE, status, Comment.Status.DELETED))
            counts[article_id] -= int(status == Comment.Status.PUBLISHED)
            changed.add(tree_id)  # a comment, or a placeholder, becomes a deleted one
    for batch in batches(deleted):
        Comment.objects.filter(pk__in=batch).update(status=Comment.Status.DELETED)
    for batch in batches(withdrawn):
        Comment.objects.filter(pk__in=batch).update(withdrawn_at=now)
    for batch in batches([pk for pk, *_ in rows]):
        Comment.objects.filter(pk__in=batch).update(ip_address=None)
        erased = Comment.objects.filter(words_to_erase(withdraw), pk__in=batch)
        CommentRevision.objects.filter(comment__in=erased).delete()
        erased.update(body="", body_html="", score_reason="")  # the triage words came from them
    ModerationLog.objects.bulk_create([
        ModerationLog(comment_id=pk, action=action, status_before=before, status_after=after,
                      created_at=now)
        for pk, action, before, after in entries
    ])
    # Every article with a comment deleted moves its version (its count too, by those shown).
    versions.comments_added(dict(sorted(counts.items())))
    for batch in batches(sorted(changed)):
        versions.threads_changed(batch)
