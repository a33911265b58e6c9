"""Moderators' decisions and readers' flags: every moderation write goes through here.

The admin, the staff controls on the article page, and load_demo all call these functions.
Status changes go through actions.set_status, so the public comment count stays right; every
decision is written to the moderation log in the same transaction. A moderator never edits
what a reader wrote: decisions change a comment's status or lock its replies, nothing else.
"""

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateformat import format as format_date

from comments import actions, capacity, tree, versions
from comments.actions import log
from comments.errors import CommentError, NoSuchComment
from comments.models import Comment, Flag, ModerationLog
from newsroom.text import strip_nul
from notifications import queue as notifications

S = Comment.Status
Action = ModerationLog.Action


@dataclass(frozen=True)
class Decision:
    action: str
    label: str  # for buttons and messages: "Approve", "Remove"…
    past: str  # "approved", "removed"…
    applies_to: frozenset  # the statuses it can change
    status: str  # the status it leads to
    needs_reason: bool = False


DECISIONS = {
    decision.action: decision
    for decision in [
        # Approving a shown comment keeps it shown and makes the decision final: flags after
        # an approval no longer hide it.
        Decision(Action.APPROVE, "Approve", "approved", frozenset({S.PENDING, S.FLAGGED, S.PUBLISHED}), S.PUBLISHED),
        Decision(Action.REMOVE, "Remove", "removed", frozenset({S.PUBLISHED, S.PENDING, S.FLAGGED, S.SPAM}), S.REMOVED, needs_reason=True),
        Decision(Action.SPAM, "Mark as spam", "marked as spam", frozenset({S.PUBLISHED, S.PENDING, S.FLAGGED, S.REMOVED}), S.SPAM),
        Decision(Action.RESTORE, "Restore", "restored", frozenset({S.REMOVED, S.SPAM}), S.PUBLISHED),
    ]
}


def can_moderate(user):
    return bool(user.is_authenticated and user.is_staff and user.has_perm("comments.moderate_comment"))


def clean_reason(reason, note, *, required):
    """(reason, note) checked: raises CommentError with a message a moderator can act on."""
    reason, note = strip_nul(reason or "").strip(), strip_nul(note or "").strip()
    if reason and reason not in ModerationLog.Reason.values:
        raise CommentError("That is not one of the reasons to choose from.")
    if required and not reason:
        raise CommentError("Please choose a reason.")
    if reason == ModerationLog.Reason.OTHER and not note:
        raise CommentError("Please say what the reason is in the note.")
    return reason, note


def decide(comment, action, moderator, *, reason="", note=""):
    """Apply one decision (approve, remove, spam, restore) to one comment. Returns the log
    entry, or None when the decision does not apply to the comment's status (for example
    restoring a comment that was never removed, or anything on a comment its author deleted).
    Restoring a comment its author withdrew while it was removed deletes it instead.
    """
    decision = DECISIONS.get(action)
    if decision is None:
        raise CommentError("Unknown moderation action.")
    reason, note = clean_reason(reason, note, required=decision.needs_reason)
    with tree.changing(comment) as comment:
        if comment.status not in decision.applies_to:
            return None
        before, status = comment.status, decision.status
        if comment.withdrawn_at and status == S.PUBLISHED:
            status = S.DELETED  # its author deleted it while it was removed: honour that now
        if comment.status != status:
            actions.set_status(comment, status)
        comment.reviewed_at = timezone.now()
        comment.save(update_fields=["reviewed_at"])
        entry = log(comment, action, moderator, reason=reason, note=note, status_before=before)
    capacity.after_decisions()  # committed, the thread's lock released
    return entry


# Past this many comments at once the moderator is asked to narrow the list, so that a bulk
# decision always finishes well within a worker's timeout (10,000 take about a second).
BULK_LIMIT = 20_000
# A bulk decision holds the locks of the threads it changes, like every writer; PostgreSQL
# keeps advisory locks in a shared table of a few thousand entries, so the threads are taken
# this many at a time, each group in a transaction of its own.
THREADS_PER_TRANSACTION = 500


def decide_many(comments, action, moderator, *, reason="", note="", reviewed=True):
    """The same decision for many comments (the admin's bulk actions, "select all" included):
    (done, skipped). The same rules as decide(): only comments whose status the decision
    applies to change (the rest are skipped), the log records the status each one really had,
    read under the locks, the public count moves by the comments shown or hidden, reviewed_at
    is set. Set-based, so its queries do not grow with the number of comments (see
    decide_in_threads). Up to THREADS_PER_TRANSACTION threads it is one transaction; past
    that, if a group fails, the error says how many were decided before it.

    `comments` is a queryset or a list of comments. The site's own rules approving comments
    they held (release_held) are not a moderator's review: reviewed=False leaves reviewed_at.
    """
    decision = DECISIONS.get(action)
    if decision is None:
        raise CommentError("Unknown moderation action.")
    reason, note = clean_reason(reason, note, required=decision.needs_reason)
    chosen = comments.values("pk") if isinstance(comments, QuerySet) else [c.pk for c in comments]
    threads = list(Comment.objects.filter(pk__in=chosen).order_by("tree_id")
                   .values_list("tree_id", flat=True)[: BULK_LIMIT + 1])
    if len(threads) > BULK_LIMIT:
        raise CommentError(f"That is more than {BULK_LIMIT:,} comments at once: nothing was "
                           "changed. Narrow the list with a filter and try again.")
    threads = sorted(set(threads))
    done = skipped = 0
    for start in range(0, len(threads), THREADS_PER_TRANSACTION):
        group = threads[start:start + THREADS_PER_TRANSACTION]
        try:
            more_done, more_skipped = decide_in_threads(chosen, group, decision, moderator, reason, note,
                                                        reviewed)
        except OperationalError as error:  # a deadlock, a lock table full: the database's own
            raise CommentError(f"Stopped after {done:,} comments were {decision.past}: the rest "
                               f"were left as they were ({error}).") from error
        done, skipped = done + more_done, skipped + more_skipped
    capacity.after_decisions()
    return done, skipped


def decide_in_threads(chosen, threads, decision, moderator, reason, note, reviewed=True):
    """One transaction of a bulk decision: the chosen comments of these threads, under the
    threads' locks (ascending) and then their rows, as every writer takes them (tree.py).
    Then one status update (two when restoring comments their authors withdrew, which are
    deleted instead, as decide() does), one bulk log insert, one update of count and version
    per article and one of the threads' versions."""
    with tree.locked_threads(threads):
        rows = list(
            Comment.objects.for_change().filter(pk__in=chosen, tree_id__in=threads).order_by("pk")
            .values_list("pk", "article_id", "tree_id", "status", "withdrawn_at")
        )
        changes = [
            (pk, article_id, tree_id, before,
             S.DELETED if withdrawn_at and decision.status == S.PUBLISHED else decision.status)
            for pk, article_id, tree_id, before, withdrawn_at in rows
            if before in decision.applies_to
        ]
        if changes:
            now = timezone.now()
            for status in {after for *_, after in changes}:
                # Comments coming into view are shown from now (read before the row changes).
                shown = ({"shown_at": Case(When(~Q(status=status), then=Value(now)), default=F("shown_at"))}
                         if Comment(status=status).is_visible else {})
                for batch in batches([pk for pk, *_, after in changes if after == status]):
                    Comment.objects.filter(pk__in=batch).update(
                        status=status, **shown, **({"reviewed_at": now} if reviewed else {}))
            ModerationLog.objects.bulk_create([
                ModerationLog(comment_id=pk, moderator=moderator, action=decision.action,
                              reason=reason, note=note, status_before=before,
                              status_after=after, created_at=now)
                for pk, _, _, before, after in changes
            ])
            # What the public sees moves once per article (its count by the comments shown or
            # hidden) and once per thread, for the comments whose status really changed.
            changed = [change for change in changes if change[3] != change[4]]
            counts = Counter()
            for _, article_id, _, before, after in changed:
                counts[article_id] += int(Comment(status=after).is_visible) - int(Comment(status=before).is_visible)
            versions.comments_added(dict(sorted(counts.items())))
            for batch in batches(sorted({tree_id for _, _, tree_id, _, _ in changed})):
                versions.threads_changed(batch)
            # Comments coming into view are notified about once this transaction commits.
            notifications.comments_shown(
                [pk for pk, _, _, before, after in changed if after == S.PUBLISHED and before != S.PUBLISHED]
            )
    return len(changes), len(rows) - len(changes)


def release_held(author, why, note):
    """Publish the comments of this author that are pending only because the site's rules
    held them for `why` (the latest entry of their log is that hold, so nobody has decided
    about them since), e.g. once a new account has confirmed its address. Logged as approved
    with no moderator; not a review, so readers' flags can still hide them. Returns how many."""
    held = Comment.objects.filter(author=author, status=S.PENDING)
    chosen = [
        comment for comment in held
        if (latest := comment.moderation_log.order_by("-created_at", "-id").first()) is not None
        and latest.action == Action.HOLD and latest.note == why
    ]
    if not chosen:
        return 0
    done, _ = decide_many(chosen, Action.APPROVE, None, note=note, reviewed=False)
    return done


def batches(ids):
    """`ids` in lists a single `IN (...)` may hold: all at once on PostgreSQL, within SQLite's
    limit on query parameters there (999 by default)."""
    size = connection.features.max_query_params or len(ids) or 1
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def set_replies_locked(comment, locked, moderator, *, reason="", note=""):
    """Close (or reopen) replies under one comment: the comment and its whole subtree, so the
    rest of the discussion stays open. Returns the log entry, or None if nothing changed."""
    reason, note = clean_reason(reason, note, required=False)
    with tree.changing(comment) as comment:  # fresh lft/rght and status, under the locks
        if comment.replies_locked == locked:
            return None
        comment.get_descendants(include_self=True).update(replies_locked=locked)
        comment.replies_locked = locked
        versions.discussion_changed(comment)  # the Reply links come and go
        return log(comment, Action.LOCK if locked else Action.UNLOCK, moderator,
                   reason=reason, note=note)


def person_changed(before, after, moderator):
    """Log what changed in a person's controls (Commenter rows read before and after a save;
    None where there is none: added, or deleted, which lifts everything). Returns the entries."""
    def state(person):
        if person is None:
            return {"banned": False, "suspended_until": None, "premoderate": False, "trusted": False}
        until = person.suspended_until if person.is_suspended else None
        return {"banned": person.banned, "suspended_until": until,
                "premoderate": person.premoderate, "trusted": person.trusted}

    old, new = state(before), state(after)
    user = (after or before).user
    why = (after.note if after else "").strip()
    entries = []
    for field, on, off in [("banned", Action.BAN, Action.UNBAN),
                           ("suspended_until", Action.SUSPEND, Action.UNSUSPEND),
                           ("premoderate", Action.PREMODERATE, Action.UNPREMODERATE),
                           ("trusted", Action.TRUST, Action.UNTRUST)]:
        if old[field] == new[field]:
            continue
        note = why
        if field == "suspended_until" and new[field]:
            until = format_date(timezone.localtime(new[field]), "j F Y, H:i")
            note = " — ".join(filter(None, [f"Until {until}.", why]))
        entries.append((on if new[field] else off, note))
    return [actions.log_about(action, person=user, moderator=moderator, note=note)
            for action, note in entries]


def discussion_changed_by_editor(before, after, editor):
    """Log an editor's switching an article's pre-moderation or closing it (the article's
    values before and after the save of the admin's form)."""
    entries = []
    for field, on, off in [("premoderate_comments", Action.PREMODERATE, Action.UNPREMODERATE),
                           ("comments_closed", Action.CLOSE, Action.REOPEN)]:
        if getattr(before, field, False) != getattr(after, field):
            entries.append(actions.log_about(on if getattr(after, field) else off,
                                             article_id=after.pk, moderator=editor,
                                             note="Set by an editor in the article's admin."))
    return entries
def remove_version(comment, revision_id, moderator, *, reason="", note=""):
    """Take one earlier version of a comment out of the history readers see (its text stays
    for moderators), logged with the reason. Returns the log entry, or None if it was already
    out (or is not one of this comment's versions)."""
    reason, note = clean_reason(reason, note, required=True)
    with tree.changing(comment) as comment:
        removed = comment.revisions.filter(pk=revision_id, removed_at__isnull=True).update(
            removed_at=timezone.now())
        if not removed:
            return None
        versions.discussion_changed(comment)  # the history page is validated by it
        return log(comment, Action.REDACT, moderator, reason=reason,
                   note=" — ".join(part for part in (f"version {revision_id}", note) if part))


PICK_REASON_LENGTH = Comment._meta.get_field("pick_reason").max_length


def set_picked(comment, picked, editor, *, reason=""):
    """Make a shown comment an editors' pick, with the reason readers see beside it ("a
    first-hand account"), or stop picking it. Logged (the reason as the note); the picks
    strip and the "Picks" order show it at once (the discussion's and thread's versions
    move). Returns the log entry, or None if nothing changed."""
    reason = " ".join(strip_nul(reason or "").split())
    if picked and not reason:
        raise CommentError("Please say why this comment is picked: readers see the reason.")
    if len(reason) > PICK_REASON_LENGTH:
        raise CommentError(f"Please keep the reason within {PICK_REASON_LENGTH} characters.")
    with tree.changing(comment) as comment:
        was_picked = comment.picked_at is not None
        if picked and comment.status != S.PUBLISHED:
            raise CommentError("Only a comment readers can see can be picked.")
        if picked == was_picked and (not picked or reason == comment.pick_reason):
            return None
        comment.picked_at = (comment.picked_at or timezone.now()) if picked else None
        comment.picked_by = editor if picked else None
        comment.pick_reason = reason if picked else ""
        comment.save(update_fields=["picked_at", "picked_by", "pick_reason"])
        versions.discussion_changed(comment, picks=int(picked) - int(was_picked))
        return log(comment, Action.PICK if picked else Action.UNPICK, editor, note=reason)


class AlreadyFlagged(CommentError):
    status = 200

    def __init__(self):
        super().__init__("You have already flagged this comment. Thank you: a moderator will look at it.")


def flag(comment, user, reason, note=""):
    """A reader reports a comment. At COMMENTS_FLAG_THRESHOLD flags a shown comment is hidden
    and waits in the flagged queue, unless a moderator has already decided about it."""
    note = strip_nul(note or "").strip()
    if not user.is_authenticated:
        raise CommentError("Please sign in to flag a comment.")
    if comment.is_author(user):
        raise CommentError("You can't flag your own comment. You can edit or delete it instead.")
    if reason not in Flag.Reason.values:
        raise CommentError("Please choose a reason.")
    if reason == Flag.Reason.OTHER and not note:
        raise CommentError("Please say what is wrong with the comment.")
    with tree.changing(comment) as comment:
        if comment.status not in (S.PUBLISHED, S.FLAGGED):
            raise NoSuchComment()
        if Flag.objects.filter(comment=comment, user=user).exists():
            raise AlreadyFlagged()
        try:  # two clicks racing each other: the unique constraint keeps one flag
            with transaction.atomic():
                new = Flag.objects.create(comment=comment, user=user, reason=reason, note=note[:1000])
        except IntegrityError:
            raise AlreadyFlagged() from None
        Comment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
        comment.flag_count += 1
        if (
            comment.status == S.PUBLISHED
            and comment.reviewed_at is None
            and comment.flag_count >= settings.COMMENTS_FLAG_THRESHOLD
        ):
            actions.set_status(comment, S.FLAGGED)
            log(comment, Action.HIDE, note=f"Hidden after {comment.flag_count} flags.",
                status_before=S.PUBLISHED)
    return new


def flagged_queue(queryset):
    """Comments readers flagged that wait for a moderator's decision, most flags first."""
    return queryset.filter(
        flag_count__gt=0, reviewed_at__isnull=True, status__in=[S.PUBLISHED, S.FLAGGED]
    )


QUEUES = {
    "pending": ("Pending", lambda qs: qs.filter(status=S.PENDING)),
    "flagged": ("Flagged", flagged_queue),
    "removed": ("Removed", lambda qs: qs.filter(status=S.REMOVED)),
    "spam": ("Spam", lambda qs: qs.filter(status=S.SPAM)),
}
