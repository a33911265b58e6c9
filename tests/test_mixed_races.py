"""Replies, removals, deletions, locks and edits racing each other (issue 13, findings 3 and 4),
on PostgreSQL with real concurrent writers, each worker thread on its own connection.

What must hold whatever the interleaving:
- no reply is accepted under a parent that was removed or deleted before the reply committed
  (single and bulk decisions alike).
  Commit order is read from the log: every status change writes its entry after it has locked
  the comment's row, and a reply holds its parent's row from its read until it commits, so a
  hiding entry written before the reply's last moment in its transaction means the reply
  committed after the parent was hidden;
- no stale log entry: for each comment, every entry's status_before is the status_after of
  the entry before it (entries on one comment are written under its row lock, so id order is
  their commit order);
- the trees and the counts are sound (comments/checks.py).
SQLite is skipped: it runs one writer at a time, so none of this could fail there.
"""

import random
import threading
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from comments import actions, checks, moderation
from comments.errors import CommentError
from comments.models import Comment, ModerationLog
from tests.factories import ArticleFactory, UserFactory, moderator
from tests.test_concurrency import RACING, run_workers

pytestmark = RACING

S = Comment.Status
HIDDEN_BY = {S.REMOVED, S.SPAM, S.DELETED, S.PENDING, S.FLAGGED}
PAUSE = 1.0  # seconds a paused writer waits for the other to get past it (it must not)


def stale_log_entries():
    """Entries whose status_before is not what the comment's previous entry left it in."""
    last, stale = {}, []
    for entry in ModerationLog.objects.order_by("comment_id", "id"):
        before = last.get(entry.comment_id)
        if before is not None and entry.status_before != before.status_after:
            stale.append(f"{before.action} {before.status_before}→{before.status_after}, then "
                         f"{entry.action} {entry.status_before}→{entry.status_after} (comment {entry.comment_id})")
        last[entry.comment_id] = entry
    return stale


def replies_under_hidden_parents(replies):
    """Accepted replies (reply id, parent id, time just before their commit) whose parent the
    log shows hidden (removed, spam, deleted, held) before the reply committed."""
    history = defaultdict(list)
    for entry in ModerationLog.objects.order_by("id"):
        history[entry.comment_id].append(entry)
    late = []
    for reply_id, parent_id, finished in replies:
        status = S.PUBLISHED  # every parent here starts published
        for entry in history[parent_id]:
            if entry.created_at < finished:
                status = entry.status_after
        if status in HIDDEN_BY:
            late.append((reply_id, parent_id, status))
    return late


def reply_and_note_when(parent, author, body, accepted):
    """Post a reply; note (id, parent, the moment just before its transaction commits)."""
    with transaction.atomic():
        reply = actions.post_comment(article=parent.article, author=author, parent=parent, body=body)
        accepted.append((reply.pk, parent.pk, timezone.now()))
    return reply


class Pool:
    """The comments the workers of a race act on, shared under a lock: the replies they post
    join it, noted in `accepted` (reply_and_note_when)."""

    def __init__(self, comments):
        self.comments, self.accepted, self.lock = list(comments), [], threading.Lock()

    def pick(self, rng, count=None):
        """One of the comments, or `count` different ones."""
        with self.lock:
            return rng.choice(self.comments) if count is None else rng.sample(self.comments, count)

    def reply(self, parent, author, body):
        reply = reply_and_note_when(parent, author, body, self.accepted)
        with self.lock:
            self.comments.append(reply)
        return reply


def act_at_random(pool, number, steps, act, outcomes):
    """Worker `number`'s turns: `steps` times, a comment picked from the pool and a roll of
    the dice (0 to 1) that says what to do with it, act(target, roll, rng, step). A lost race,
    answered as the site answers it, is counted in `outcomes`."""
    rng = random.Random(number)
    for step in range(steps):
        target, roll = pool.pick(rng), rng.random()
        try:
            act(target, roll, rng, step)
        except CommentError as refusal:
            outcomes[f"refused {type(refusal).__name__}"] += 1


# One race at a time, made certain: the first writer pauses right after its read. --------------

@pytest.mark.parametrize("hide", ["remove", "delete"])
def test_a_removal_or_deletion_waits_for_a_reply_that_has_read_its_parent(hide, monkeypatch):
    article, writer = ArticleFactory(), UserFactory()
    parent = actions.post_comment(article=article, author=writer, body="The parent.")
    mod = moderator()
    read, hidden = threading.Event(), threading.Event()
    passed_while_paused = []
    real_find_duplicate = actions.find_duplicate

    def paused(*args):  # called by post_comment right after it has read the parent
        read.set()
        passed_while_paused.append(hidden.wait(timeout=PAUSE))
        return real_find_duplicate(*args)

    monkeypatch.setattr(actions, "find_duplicate", paused)
    accepted = []

    def work(number):
        if number == 0:
            reply_and_note_when(parent, UserFactory(), "A reply.", accepted)
        else:
            read.wait(timeout=10)
            if hide == "remove":
                moderation.decide(parent, "remove", mod, reason="abuse")
            else:
                actions.delete_comment(parent, writer)
            hidden.set()

    run_workers(2, work)
    assert passed_while_paused == [False], "the parent was hidden while the reply held it"
    assert replies_under_hidden_parents(accepted) == []
    assert stale_log_entries() == []


def test_locking_replies_while_the_comment_is_removed_logs_the_real_status(monkeypatch):
    article = ArticleFactory()
    comment = actions.post_comment(article=article, author=UserFactory(), body="Heated.")
    mod = moderator()
    read, removed = threading.Event(), threading.Event()
    real_descendants = Comment.get_descendants

    def paused(self, *args, **kwargs):  # set_replies_locked, right after reading the comment
        read.set()
        removed.wait(timeout=PAUSE)
        return real_descendants(self, *args, **kwargs)

    monkeypatch.setattr(Comment, "get_descendants", paused)

    def work(number):
        if number == 0:
            moderation.set_replies_locked(comment, True, mod)
        else:
            read.wait(timeout=10)
            moderation.decide(comment, "remove", mod, reason="violence")
            removed.set()

    run_workers(2, work)
    assert stale_log_entries() == []
    lock, removal = ModerationLog.objects.filter(comment=comment).order_by("id")
    assert (lock.action, lock.status_before, lock.status_after) == ("lock", S.PUBLISHED, S.PUBLISHED)
    assert (removal.status_before, removal.status_after) == (S.PUBLISHED, S.REMOVED)


# Everything at once. -----------------------------------------------------------------------------

WORKERS = 8
OPERATIONS_EACH = 40
HOT_THREADS = 4


def test_mixed_races_accept_no_reply_under_a_hidden_parent_and_log_no_stale_status(settings):
    settings.COMMENTS_FLAG_THRESHOLD = 2
    article = ArticleFactory()
    writers = [UserFactory() for _ in range(6)]
    readers = [UserFactory() for _ in range(4)]
    mod = moderator()
    comments = []
    for number in range(HOT_THREADS):
        root = actions.post_comment(article=article, author=writers[number], body=f"Thread {number}.")
        comments.append(root)
        for depth in range(3):
            comments.append(actions.post_comment(article=article, author=writers[depth + 2],
                                                 parent=comments[-1], body=f"Reply {number}.{depth}."))
    pool, outcomes = Pool(comments), Counter()

    def work(number):
        def act(target, roll, rng, step):
            if roll < 0.40:
                pool.reply(target, rng.choice(writers), f"W{number} s{step}.")
                outcomes["reply accepted"] += 1
            elif roll < 0.55:
                done = moderation.decide(target, "remove", mod, reason="abuse")
                outcomes["removed" if done else "remove skipped"] += 1
            elif roll < 0.65:
                actions.delete_comment(target, target.author)
                outcomes["deleted by author"] += 1
            elif roll < 0.75:
                done = moderation.set_replies_locked(target, rng.random() < 0.6, mod)
                outcomes["lock changed" if done else "lock unchanged"] += 1
            elif roll < 0.85:
                actions.edit_comment(target, target.author, f"Edited by W{number} at {step}.")
                outcomes["edited"] += 1
            elif roll < 0.90:
                moderation.flag(target, rng.choice(readers), "abuse")
                outcomes["flagged"] += 1
            elif roll < 0.93:
                actions.recommend(target, rng.choice(readers))
                outcomes["recommended"] += 1
            elif roll < 0.96:  # the desk's bulk decision, over several threads at once
                done, _ = moderation.decide_many(pool.pick(rng, 4), rng.choice(["remove", "restore"]), mod,
                                                 reason="abuse")
                outcomes["decided in bulk"] += done
            else:
                done = moderation.decide(target, "restore", mod)
                outcomes["restored" if done else "restore skipped"] += 1

        act_at_random(pool, number, OPERATIONS_EACH, act, outcomes)

    run_workers(WORKERS, work)

    print(dict(outcomes))
    assert outcomes["reply accepted"] and outcomes["removed"] and outcomes["deleted by author"]
    assert outcomes["refused CommentError"] or outcomes["refused DiscussionClosed"]  # races happened
    assert replies_under_hidden_parents(pool.accepted) == []
    assert stale_log_entries() == []
    report = checks.check()
    assert report.ok, "\n".join(report.lines())
