"""What the notifications' queue adds to posting, for `make bench` (comments/bench.py).

A reply is posted with `comments.actions.post_comment` two ways, interleaved (alternating
which goes first, so the machine's load falls on both alike): as the site posts it, with its
row in the outbox and the wake-up task (through the configured task backend: by default a row
in the database's task table, written in the posting transaction), and with `notifications.queue`'s
`comments_shown` made a no-op, which is what posting cost before notifications existed. The
difference of the medians of CPU time is the queue's cost, printed beside the target: at most
1 ms, or at most a tenth of a post (the wall clock is printed too; on a shared machine it also
counts waiting for a busy core)."""

import statistics
import time
from unittest import mock

from django.conf import settings
from django.test import override_settings

from comments import actions
from comments.models import Comment
from newsroom.models import Article, User
from notifications import queue
from notifications.models import NotificationSettings

TARGET_MS = 1.0
TARGET_SHARE = 0.10
WARM_UP = 5


def post(article, parent, author, body):
    started, started_cpu = time.perf_counter(), time.thread_time()
    comment = actions.post_comment(article=article, parent=parent, author=author, body=body,
                                   ip_address="10.0.0.2")
    elapsed = ((time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000)
    assert comment.status == Comment.Status.PUBLISHED, comment.status  # shown: the queue's case
    return elapsed


def run(posts, log):
    # The bench's generated discussions hold thousands of pending comments: past the site's
    # backlog limit every new comment would wait for a moderator (comments/capacity.py), and
    # a reply to a pending comment is refused. The queue's cost is that of shown comments.
    with override_settings(COMMENTS_BACKLOG_ARTICLE=0, COMMENTS_BACKLOG_SITE=0):
        return timed(posts, log)


def timed(posts, log):
    article = (Article.objects.published().filter(backlog_premoderated=False, backlog_closed=False)
               .order_by("pk").first())
    reader = User.objects.create(username="bench-notified", email="notified@example.com")
    NotificationSettings.objects.create(user=reader, confirmed_email=reader.email)
    replier = User.objects.create(username="bench-notifier")
    parent = actions.post_comment(article=article, author=reader, body="Bench: reply to me.")
    times = {"with the queue": [], "without": []}
    for number in range(-WARM_UP, posts):
        ways = ["with the queue", "without"] if number % 2 else ["without", "with the queue"]
        for way in ways:
            body = f"Bench notification {way} {number}."
            if way == "without":
                with mock.patch.object(queue, "comments_shown", lambda comment_ids: None):
                    measured = post(article, parent, replier, body)
            else:
                measured = post(article, parent, replier, body)
            if number >= 0:
                times[way].append(measured)
    log(f"  posted {posts} replies each way, with and without the notifications' queue")
    return table(times, posts)


def table(times, posts):
    """Judged on CPU time (this process's, which on SQLite includes the database's work): on a
    shared machine the wall clock mostly measures waiting for a core."""
    def figures(way, index):
        values = [measured[index] for measured in times[way]]
        return min(values), statistics.median(values)

    rows, added = [], {}
    for index, clock in ((1, "CPU"), (0, "wall")):
        (with_min, with_median), (without_min, without_median) = figures("with the queue", index), figures("without", index)
        added[clock] = (with_median - without_median, (with_median - without_median) / without_median if without_median else 0)
        rows.append(f"  {clock:>4}: with the queue {with_min:.2f} / {with_median:.2f}, without {without_min:.2f} / "
                    f"{without_median:.2f}: adds {added[clock][0]:.2f} ms ({added[clock][1]:.0%} of a post)")
    cost, share = added["CPU"]
    ok = cost <= TARGET_MS or share <= TARGET_SHARE
    backend = settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1]
    rows[0] += f"   target <= {TARGET_MS:g} ms or <= {TARGET_SHARE:.0%} of a post {'ok' if ok else 'MISSED'}"
    return ["", f"Notifications' cost to posting a reply (its outbox row and wake-up task, through "
                f"{backend}), {posts} posts each way interleaved; ms as min / median of this "
                f"process's CPU time (SQLite: the database's too) and of the wall clock", *rows]
