"""The moderators' desk benchmark behind `make bench-desk` (`manage.py bench_desk`).

In a throw-away database of its own (see bench.throwaway_database) it builds a big story's
desk: 120,000 comments over 200 articles, one of them a 20,000-comment discussion, 6,000
comments pending (3,000 of them on the big story) and 2,400 flagged by readers (a third hidden
after flags). Then, signed in as a moderator through django.test.Client, as the admin is used:

- every queue, filter, search (words, a phrase, @name, a bare username, an email, an IP address)
  and tree page (the big story's first, middle and last page, one big thread): median and
  fastest time of several loads, and SQL queries, against 150 ms median;
- "select all" approval of the big story's 3,000 pending comments, against 2 s;
- a bulk removal of 10,000 comments (decide_many, as the admin's action calls it), against 5 s.

Made for PostgreSQL, where production runs; on SQLite it runs too (text search falls back to
a plain match there), but its figures say little about the site.
"""

import random
import re
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import checks, moderation
from comments.bench import DatabaseCpu, bench_settings, settle
from comments.generate import generate
from comments.models import Comment, Flag
from comments.permissions import moderators_group
from newsroom.models import Article, User

PAGE_TARGET_MS = 150
BULK_APPROVE_TARGET_S = 2.0
BULK_10K_TARGET_S = 5.0
LIST = "/admin/comments/comment/"
S = Comment.Status


@dataclass
class PageResult:
    name: str
    url: str
    median_ms: float
    min_ms: float
    queries: int
    rows: int
    python_cpu_ms: float  # median CPU time of this process for one load
    database_cpu_ms: float | None  # median CPU time of the PostgreSQL backend for one load


@dataclass
class Desk:
    """What the generated desk holds, for naming the pages to time."""

    story: Article
    big_thread: int
    author: str
    guest_ip: str
    guest_email: str
    section: int


def fill(comments, story_comments, pending, story_pending, flagged, seed, log):
    rng = random.Random(seed)
    started = time.perf_counter()
    story = generate(articles=1, comments=story_comments, seed=seed * 1000 + 1).articles[0]
    generate(articles=200, comments=comments - story_comments, seed=seed * 1000 + 2)
    log(f"  generated {Comment.objects.count():,} comments in {time.perf_counter() - started:.0f} s")
    shown = list(Comment.objects.filter(status=S.PUBLISHED).values_list("pk", "article_id"))
    rng.shuffle(shown)
    on_story = [pk for pk, article_id in shown if article_id == story.pk][:story_pending]
    elsewhere = [pk for pk, article_id in shown if article_id != story.pk]
    to_pending = on_story + elsewhere[: pending - len(on_story)]
    to_flag = elsewhere[pending:pending + flagged]
    # The generator holds a few comments itself: those are published, so the queues hold
    # exactly what is asked for.
    Comment.objects.filter(status=S.PENDING).update(status=S.PUBLISHED)
    Comment.objects.filter(pk__in=to_pending).update(status=S.PENDING)
    readers = list(User.objects.filter(username__startswith=f"gen{seed * 1000 + 2}-")
                   .values_list("pk", flat=True)[:5])
    flags, hidden = [], []
    for number, pk in enumerate(to_flag):
        how_many = 1 + number % 3
        flags += [Flag(comment_id=pk, user_id=readers[n], reason=rng.choice(Flag.Reason.values[:4]))
                  for n in range(how_many)]
        if how_many == 3:
            hidden.append(pk)
    Flag.objects.bulk_create(flags, batch_size=5_000)
    for how_many in (1, 2, 3):
        Comment.objects.filter(pk__in=to_flag[how_many - 1::3]).update(flag_count=how_many)
    Comment.objects.filter(pk__in=hidden).update(status=S.FLAGGED)
    checks.fix_counts(list(Article.objects.values_list("pk", flat=True)), log, quiet=True)
    settle()
    return find_desk()


def find_desk():
    """What the generated desk holds, read from the data (so a kept database can be timed
    again without being built again). The big story was generated first."""
    story = Comment.objects.order_by("pk").select_related("article").first().article
    busiest = (Comment.objects.filter(author__isnull=False).values("author__username")
               .annotate(n=Count("pk")).order_by("-n").first())
    guest = Comment.objects.filter(author__isnull=True, ip_address__isnull=False).order_by("pk").first()
    big_thread = (Comment.objects.filter(article=story, level=0).order_by("-rght")
                  .values_list("tree_id", flat=True).first())
    return Desk(story=story, big_thread=big_thread, author=busiest["author__username"],
                guest_ip=guest.ip_address, guest_email=guest.guest_email,
                section=story.section_id)


def pages(desk, client):
    """(name, url) of every page timed."""
    story = f"{LIST}?article={desk.story.pk}"
    html = client.get(story).content.decode()
    last = max([int(n) for n in re.findall(r"[?&]amp;p=(\d+)", html)] or [1])
    deep = max(1, min(50, Comment.objects.count() // 50))
    return [
        ("All", LIST),
        (f"All, page {deep}", f"{LIST}?p={deep}"),
        ("Pending queue", f"{LIST}?queue=pending"),
        ("Flagged queue", f"{LIST}?queue=flagged"),
        ("Removed queue", f"{LIST}?queue=removed"),
        ("Spam queue", f"{LIST}?queue=spam"),
        ("Filter: status published", f"{LIST}?status=published"),
        ("Filter: has flags", f"{LIST}?flags=yes"),
        ("Filter: guests", f"{LIST}?guest=yes"),
        ("Filter: author", f"{LIST}?author={desk.author}"),
        ("Filter: section", f"{LIST}?article__section__id__exact={desk.section}"),
        ("Filter: past 7 days", f"{LIST}?{past_week()}"),
        ("Search: a word", f"{LIST}?q=electricity"),
        ("Search: a common word", f"{LIST}?q=the"),
        ("Search: a phrase", f"{LIST}?q=%22follow+the+money%22"),
        ("Search: @name", f"{LIST}?q=%40{desk.author}"),
        ("Search: username", f"{LIST}?q={desk.author}"),
        ("Search: email", f"{LIST}?q={desk.guest_email}"),
        ("Search: IP address", f"{LIST}?q={desk.guest_ip}"),
        ("Tree: big story, page 1", story),
        ("Tree: big story, middle page", f"{story}&p={max(1, last // 2)}"),
        ("Tree: big story, last page", f"{story}&p={last}"),
        ("Tree: its biggest thread", f"{LIST}?thread={desk.big_thread}"),
        ("Tree: its biggest thread, page 2", f"{LIST}?thread={desk.big_thread}&p=2"),
    ]


def past_week():
    """The query of the desk's own "Past 7 days" link (admin.DateFieldListFilter's): from
    midnight seven days ago to the next, in the site's time zone, with the offset; a bare date
    reached the database as a naive datetime (a RuntimeWarning every run)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return urlencode({"created_at__gte": str(today - timedelta(days=7)),
                      "created_at__lt": str(today + timedelta(days=1))})


def time_page(client, name, url, runs):
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    query_count = len(queries)  # counted now: the next request empties the log
    rows = response.content.count(b'name="_selected_action"')
    times, python_cpu, database_cpu, database = [], [], [], DatabaseCpu()
    for _ in range(runs):
        started, started_cpu, started_database = time.perf_counter(), time.thread_time(), database.seconds()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        python_cpu.append((time.thread_time() - started_cpu) * 1000)
        if started_database is not None:
            database_cpu.append((database.seconds() - started_database) * 1000)
    return PageResult(name, url, statistics.median(times), min(times), query_count, rows,
                      statistics.median(python_cpu),
                      statistics.median(database_cpu) if database_cpu else None)


def bench_bulk_approve(client, desk):
    url = f"{LIST}?article={desk.story.pk}&status=pending"
    chosen = Comment.objects.filter(article=desk.story, status=S.PENDING).count()
    page_ids = list(Comment.objects.filter(article=desk.story, status=S.PENDING)
                    .order_by("tree_id", "lft").values_list("pk", flat=True)[:50])
    started = time.perf_counter()
    response = client.post(url, {"action": "approve", "select_across": "1", "index": 0,
                                 ACTION_CHECKBOX_NAME: page_ids})
    seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    left = Comment.objects.filter(article=desk.story, status=S.PENDING).count()
    return chosen, chosen - left, seconds


def bench_bulk_remove(moderator, count):
    chosen = Comment.objects.filter(status=S.PUBLISHED).exclude(level=0).order_by("-pk")[:count]
    started = time.perf_counter()
    done, _ = moderation.decide_many(Comment.objects.filter(pk__in=chosen.values("pk")), "remove",
                                     moderator, reason="spam")
    return done, time.perf_counter() - started


def describe(counts):
    return ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items(), key=lambda item: -item[1]))


def mark(ok):
    return "ok" if ok else "MISSED"


def run(*, comments=120_000, story_comments=20_000, pending=6_000, story_pending=3_000,
        flagged=2_400, runs=7, seed=1, keep=False, log=print):
    """`keep`: the database is kept to be timed again (bench.throwaway_database): one that
    already holds the desk is not filled again, and the bulk decisions, which would change
    it, are left out."""
    with bench_settings():
        log(f"Database: {connection.vendor}")
        if keep and Comment.objects.exists():
            log("  timing the desk kept from an earlier run (--keep)")
            desk = find_desk()
        else:
            desk = fill(comments, story_comments, pending, story_pending, flagged, seed, log)
        moderator, _ = User.objects.get_or_create(username="bench-moderator", defaults={"is_staff": True})
        moderator.groups.add(moderators_group())
        client = Client(HTTP_HOST="localhost")
        client.force_login(moderator)
        results = []
        for name, url in pages(desk, client):
            results.append(time_page(client, name, url, runs))
            log(f"  {name}: {results[-1].median_ms:.0f} ms")
        approve = None if keep else bench_bulk_approve(client, desk)
        remove = None if keep else bench_bulk_remove(moderator, 10_000)
        report = checks.check()
        counts = dict(Comment.objects.order_by().values_list("status").annotate(n=Count("pk")))
        comments = sum(counts.values())
    lines = ["", f"The moderators' desk, {comments:,} comments ({describe(counts)}), signed in as a moderator "
                 f"(django.test.Client), median of {runs} loads",
             f"{'page':<34} {'median ms':>10} {'min ms':>8} {'CPU ms: python':>15} {'+ database':>10} "
             f"{'queries':>8} {'rows':>5}   target"]
    for page in results:
        database = "n/a" if page.database_cpu_ms is None else f"{page.database_cpu_ms:.1f}"
        lines.append(f"{page.name:<34} {page.median_ms:>10.1f} {page.min_ms:>8.1f} {page.python_cpu_ms:>15.1f} "
                     f"{database:>10} {page.queries:>8} {page.rows:>5}   <= {PAGE_TARGET_MS} ms "
                     f"{mark(page.median_ms <= PAGE_TARGET_MS)}")
    lines.append("(CPU: what a load costs this process and its PostgreSQL backend, which a busy "
                 "machine does not inflate as it does the wall clock)")
    if keep:
        lines += ["", "Bulk decisions left out (--keep: they would change the kept desk)"]
    else:
        chosen, done, seconds = approve
        lines += ["", f"Bulk approve, select all {chosen:,} pending of the big story: {done:,} approved in "
                      f"{seconds:.2f} s   <= {BULK_APPROVE_TARGET_S} s {mark(seconds <= BULK_APPROVE_TARGET_S and done == chosen)}"]
        done, seconds = remove
        lines.append(f"Bulk remove of {done:,} comments (decide_many): {seconds:.2f} s   "
                     f"<= {BULK_10K_TARGET_S} s {mark(seconds <= BULK_10K_TARGET_S)}")
    lines.append(f"check_comment_trees{'' if keep else ' after the decisions'}: "
                 f"{'sound' if report.ok else 'BROKEN'}")
    return results, approve, remove, report, lines
