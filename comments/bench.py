"""The comments benchmark behind `make bench` (`manage.py bench`).

It measures, in a throw-away database of its own (never the developer's data):

- the article page with no comments, 100, 1,000 and 10,000 comments, rendered in-process
  through django.test.Client for an anonymous reader on a cache miss (the whole page is
  rendered), side by side, interleaved: with every thread's markup already cached, with no
  thread's markup cached (comments/discussion.py caches each thread's markup under its
  version), and with nothing cached at all (the article's own part rendered too).
  Min and median server time, SQL queries, and HTML bytes per comment shown (the page's
  bytes less those of the page without comments, divided by the comments shown); and the
  same page for a signed-in reader (never cached whole: their own controls are written into
  the cached threads). Each discussion is shaped so that every comment is on the first page
  (at most COMMENTS_PER_PAGE threads, no reply below COMMENTS_MAX_DEPTH): the full thread
  is rendered, nothing is left for "more comments" or "continue this thread". The pages use
  a cache of their own in the process (local memory), emptied for the uncached runs;
- the median time of comments.actions.post_comment posting a reply into a 1,000-comment
  thread when the comments table holds 10,000, then 100,000 comments;
- the worst time newsroom.text.render_comment takes on a body of the pathological corpus
  (comments/pathological.py), beside an ordinary comment's;
- scoring a comment for spam and abuse: the models' load time and memory, the time per
  comment (median, p99) and the precision/recall table on the held-out corpus
  (comments/bench_scoring.py);
- what the notifications' queue adds to posting a reply: with it and without, interleaved
  (notifications/bench.py);
- posting through HTTP: 16 concurrent posters against gunicorn (see comments/bench_http.py).
- the anonymous page served through gunicorn and nginx, and its 304 (comments/bench_serving.py).
"""

import os
import statistics
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from comments import (
    actions, bench_http, bench_scoring, bench_serving, checks, discussion, moderation, pathological,
)
from comments.generate import SENTENCES, generate
from comments.models import Comment
from newsroom.models import User
from newsroom.text import render_comment
from notifications import bench as notifications_bench

# Cache-miss targets in ms, by comments on the page: (every thread's markup cached, none).
MISS_TARGETS_MS = {0: (3, 3), 100: (5, 5), 1000: (12, 15)}
QUERY_TARGET = 10  # at any size
BYTES_TARGET = 600  # per comment
GROWTH_TOLERANCE = 1.5  # reply time may not grow more than this from the smallest table
REPLY_TARGET_MS = 15  # median, into a 1,000-comment thread, at any table size
RENDER_TARGET_MS = 20  # any body up to COMMENTS_MAX_LENGTH
RENDER_RUNS = 5  # per body; its median counts
PAGE_BUDGET_SECONDS = 8  # stop timing one page size after this long (at least 3 runs)
WARM_UP_REPLIES = 5  # posted but not timed after each fill (caches, connection)


@dataclass
class PageResult:
    comments: int
    shown: int
    queries: int
    bytes_per_comment: float
    times: dict  # {"threads cached" | "no thread cached" | "nothing cached" | "signed in": [ms, ...]}
    # The same loads' CPU time: this process's, plus its PostgreSQL backend's when it can be read
    # (DatabaseCpu); what an idle machine would show, where the wall clock also counts waiting
    # for a core on a busy one.
    cpu_times: dict


@dataclass
class RenderResult:
    bodies: int
    worst_wall_ms: float  # of the body slowest in CPU time
    worst_cpu_ms: float
    worst_body: str
    slowest_wall_ms: float  # of any body
    ordinary_wall_ms: float
    ordinary_cpu_ms: float


@dataclass
class ReplyResult:
    table_size: int
    thread_size: int
    median_ms: float
    replies: int
    python_cpu_ms: float  # per reply, this process (reading the parent included)
    database_cpu_ms: float | None  # per reply, the PostgreSQL backend serving the bench


class DatabaseCpu:
    """CPU time of the PostgreSQL backend serving this connection, read from /proc when the
    server runs on this machine (None otherwise, and on SQLite, which runs in-process). With
    the process's own CPU time it tells what a reply costs even when a busy machine makes the
    wall clock wait for a core."""

    def __init__(self):
        self.stat = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                stat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
            if os.access(stat, os.R_OK):
                self.stat = stat

    def seconds(self):
        if self.stat is None:
            return None
        try:
            return int(self.stat.read_text().split()[0]) / 1e9  # nanoseconds on a CPU
        except (OSError, ValueError, IndexError):
            return None


@contextmanager
def throwaway_database(name="newsroom_bench", keep=False):
    """Switch the default connection to a new, migrated database for the bench and drop it
    afterwards: a PostgreSQL database called `name`, or on SQLite a file named after it in the
    temporary directory. With `keep`, the database is used as it is if it exists (migrated)
    and kept afterwards, so a bench can be run again on it; a run without `keep` replaces it."""
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved = dict(test_settings)
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.gettempdir()) / f"{name}.sqlite3")
    else:
        test_settings["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                  keepdb=keep)
    try:
        yield connection.settings_dict["NAME"]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)
        test_settings.clear()
        test_settings.update(saved)


def bench_settings():
    """What the bench runs under: no query logging, no rate limits (one person posts every
    reply), static files without a manifest (no collectstatic needed), a cache of its own in
    the process (emptied between runs; never the configured one), and no page cache in this
    process, so that every page timed here is rendered."""
    return override_settings(
        DEBUG=False,
        PAGE_CACHE_SECONDS=0,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                            "LOCATION": "bench", "OPTIONS": {"MAX_ENTRIES": 10_000}}},
        COMMENTS_RATE_LIMITS=[],
        COMMENTS_IP_RATE_LIMITS=[],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )


def page_cache_miss(client, url, number):
    """The page, rendered: a query string of its own is a page nobody asked for before, so
    no cached page (in the process or in front of it) can answer."""
    response = client.get(url, {"bench": number})
    assert response.status_code == 200, response.status_code
    return response


def forget_threads(article):
    """Empty the cache of every thread's markup of the article (comments/discussion.py), and
    of nothing else: the article's own part, kept by the site version, stays."""
    roots = Comment.objects.filter(article=article, level=0).values_list("id", "thread_version")
    cache.delete_many(discussion.markup_keys(article, roots))


def measure_page(article, runs, reader):
    """Times of the page on a cache miss, the four ways interleaved so that the machine's
    load weighs on each alike: with every thread's markup cached; with no thread's (a
    discussion every thread of which changed since the page was last rendered); with nothing
    cached at all, the article's own part included (after the site version moved: an article
    edit); and for a signed-in reader (threads cached)."""
    url = article.get_absolute_url()
    anonymous, signed_in = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    signed_in.force_login(reader)
    page_cache_miss(anonymous, url, 0)  # warm up: templates compiled, connection open
    with CaptureQueriesContext(connection) as queries:
        response = page_cache_miss(anonymous, url, 1)  # every thread cached by the first
    query_count = len(queries)  # counted now: the log is emptied by the next request
    ways = {"threads cached": (anonymous, None), "no thread cached": (anonymous, forget_threads),
            "nothing cached": (anonymous, lambda article: cache.clear()), "signed in": (signed_in, None)}
    times, cpu_times, database_cpu = {way: [] for way in ways}, {way: [] for way in ways}, DatabaseCpu()
    deadline = time.perf_counter() + PAGE_BUDGET_SECONDS
    for number in range(2, 2 + runs):
        for way, (client, forget) in ways.items():
            if forget:
                forget(article)
            database_started, cpu_started = database_cpu.seconds(), time.thread_time()
            started = time.perf_counter()
            page_cache_miss(client, url, number)
            times[way].append((time.perf_counter() - started) * 1000)
            used = time.thread_time() - cpu_started
            if database_started is not None:
                used += database_cpu.seconds() - database_started
            cpu_times[way].append(used * 1000)
            if forget:
                page_cache_miss(client, url, -number)  # every thread cached again
        if number >= 4 and time.perf_counter() > deadline:
            break
    return response.content, query_count, times, cpu_times


def bench_pages(sizes, runs, seed, log):
    settle()
    reader = User.objects.create(username="bench-reader", display_name="Bench Reader")
    results, baseline = [], None
    for number, size in enumerate([0, *sizes]):
        made = generate(
            articles=1, comments=size, seed=seed * 1000 + number,
            threads=min(size, settings.COMMENTS_PER_PAGE) or None,
            max_depth=settings.COMMENTS_MAX_DEPTH,
        )
        html, queries, times, cpu_times = measure_page(made.articles[0], runs, reader)
        baseline = html if baseline is None else baseline
        shown = html.count(b'<li id="comment-')
        per_comment = (len(html) - len(baseline)) / shown if shown else 0
        results.append(PageResult(size, shown, queries, per_comment, times, cpu_times))
        log(f"  page with {size} comments: " + ", ".join(
            f"{way} {statistics.median(ms):.1f} ms" for way, ms in times.items()))
    return results


def bench_replies(table_sizes, thread_size, replies, seed, log):
    """Replies into one thread of `thread_size` comments while the table grows."""
    made = generate(articles=1, comments=thread_size, seed=seed * 1000 + 500, threads=1)
    article = made.articles[0]
    thread = list(Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED)
                  .values_list("pk", flat=True))
    author = User.objects.create(username="bench-replier", display_name="Bench Replier")
    moderator = User.objects.create(username="bench-moderator", is_staff=True)
    results, filler = [], 0
    for table_size in table_sizes:
        missing = table_size - Comment.objects.count()
        if missing > 0:
            filler += 1
            started = time.perf_counter()
            generate(articles=max(1, missing // 500), comments=missing,
                     seed=seed * 1000 + 600 + filler)
            log(f"  filled the table to {table_size} comments in {time.perf_counter() - started:.1f} s")
            moderators_keep_up(moderator)
            settle()
            article.refresh_from_db()  # as a request would read it: open, not pre-moderated
        times, database_cpu = [], DatabaseCpu()
        for number in range(-WARM_UP_REPLIES, replies):
            if number == 0:
                python_started, database_started = time.thread_time(), database_cpu.seconds()
            parent = Comment.objects.get(pk=thread[(number * 7919) % len(thread)])
            started = time.perf_counter()
            actions.post_comment(article=article, parent=parent, author=author,
                                 body=f"Bench reply {table_size}-{number}.",
                                 ip_address="10.0.0.1")
            if number >= 0:
                times.append((time.perf_counter() - started) * 1000)
        python_ms = (time.thread_time() - python_started) * 1000 / replies
        database_ms = (None if database_started is None
                       else (database_cpu.seconds() - database_started) * 1000 / replies)
        results.append(ReplyResult(Comment.objects.count(), thread_size, statistics.median(times),
                                   replies, python_ms, database_ms))
        log(f"  replies with {table_size} comments in the table: {statistics.median(times):.1f} ms")
    return results


def moderators_keep_up(moderator):
    """Approve what the filler left pending (some of its readers' comments, most of its
    guests'), as moderators keeping up with the queue would: at 100,000 comments it would
    otherwise be past the site's backlog limit, and the site would hold every reply for a
    moderator (comments/capacity.py), where the bench times replies published."""
    moderation.decide_many(Comment.objects.filter(status=Comment.Status.PENDING), "approve", moderator)


def render_times(text, runs):
    """Median wall-clock and CPU milliseconds of rendering `text`. On a shared machine the
    wall clock also counts time spent waiting for a core; the CPU time (time.thread_time) is
    what the body itself costs, and what an idle core would show."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        render_comment(text)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def bench_render(log, runs=RENDER_RUNS):
    """The slowest body of the pathological corpus (median of `runs` renders each)."""
    corpus = pathological.corpus()
    times = {name: render_times(body, runs) for name, body in corpus}
    worst = max(times, key=lambda name: times[name][1])
    ordinary = "\n\n".join(" ".join(SENTENCES[i:i + 3]) for i in range(0, 9, 3))
    result = RenderResult(len(corpus), *times[worst], worst,
                          max(times.values())[0], *render_times(ordinary, runs * 20))
    log(f"  rendered {len(corpus)} pathological bodies: worst {result.worst_cpu_ms:.1f} ms CPU")
    return result


def settle():
    """After a bulk insert or update: fresh planner statistics, and on PostgreSQL the
    visibility map too (index-only scans need it), as autovacuum or a periodic ANALYZE
    (SQLite) would give a live site, so that the pages and replies are timed against the table
    as it would normally be, not in the minute after a mass import."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def mark(ok):
    return "ok" if ok else "MISSED"


def table(pages, replies, render=None):
    lines = []
    if render:
        lines += ["", "Rendering a comment (newsroom.text.render_comment), median of "
                      f"{RENDER_RUNS} runs per body",
                  f"  worst of {render.bodies} pathological bodies of up to "
                  f"{settings.COMMENTS_MAX_LENGTH:,} characters: {render.worst_cpu_ms:.2f} ms CPU, "
                  f"{render.worst_wall_ms:.2f} ms wall ({render.worst_body})   target <= "
                  f"{RENDER_TARGET_MS} ms {mark(render.worst_cpu_ms <= RENDER_TARGET_MS)}",
                  f"  slowest body by the wall clock (counts waiting for a busy core): "
                  f"{render.slowest_wall_ms:.2f} ms",
                  f"  an ordinary comment of three paragraphs: {render.ordinary_cpu_ms:.3f} ms CPU, "
                  f"{render.ordinary_wall_ms:.3f} ms wall"]
    lines += ["", "Article page, anonymous, a cache miss rendered in-process (django.test.Client), "
                  "every comment shown; ms as min / median",
              f"{'comments':>9} {'shown':>6} {'threads cached':>15} {'no thread cached':>17} "
              f"{'nothing cached':>15} {'signed in':>13} {'queries':>8} {'bytes/comment':>14}   targets"]
    for page in pages:
        low = {way: (min(ms), statistics.median(ms)) for way, ms in page.times.items()}
        targets = [f"queries <= {QUERY_TARGET} {mark(page.queries <= QUERY_TARGET)}"]
        if page.shown:
            targets.append(f"bytes <= {BYTES_TARGET} {mark(page.bytes_per_comment <= BYTES_TARGET)}")
        if page.comments in MISS_TARGETS_MS:
            cached, uncached = MISS_TARGETS_MS[page.comments]
            targets.insert(0, f"<= {cached} ms threads cached {mark(low['threads cached'][1] <= cached)}, "
                              f"<= {uncached} ms no thread cached {mark(low['no thread cached'][1] <= uncached)}")
        cells = " ".join(f"{f'{low[way][0]:.1f} / {low[way][1]:.1f}':>{width}}" for way, width in
                         (("threads cached", 15), ("no thread cached", 17), ("nothing cached", 15),
                          ("signed in", 13)))
        lines.append(f"{page.comments:>9,} {page.shown:>6,} {cells} {page.queries:>8} "
                     f"{page.bytes_per_comment:>14.0f}   " + ", ".join(targets))
        cpu_cells = " ".join(f"{statistics.median(page.cpu_times[way]):>{width}.1f}" for way, width in
                             (("threads cached", 15), ("no thread cached", 17), ("nothing cached", 15),
                              ("signed in", 13)))
        lines.append(f"{'CPU':>16} {cpu_cells}   (median ms of CPU time: this process"
                     f"{' and its PostgreSQL backend' if connection.vendor == 'postgresql' else ''})")
    lines.append("(targets compare medians, as issue 7 sets them: with every thread's markup cached, "
                 "and with none; \"nothing cached\" also renders the article's own part, which is "
                 "kept until the article changes, and has no target; the signed-in reader's page is "
                 "never cached whole, and carries their own controls)")
    if replies:
        lines += ["", f"Posting a reply (comments.actions.post_comment) into a "
                      f"{replies[0].thread_size:,}-comment thread",
                  f"{'table rows':>11} {'median ms':>10} {'replies':>8} {'CPU ms: python':>15} "
                  f"{'+ database':>10}   targets: <= {REPLY_TARGET_MS} ms, not growing with "
                  f"the table"]
        first = replies[0].median_ms
        for reply in replies:
            growth = reply.median_ms / first if first else 1
            database = "n/a" if reply.database_cpu_ms is None else f"{reply.database_cpu_ms:.2f}"
            lines.append(f"{reply.table_size:>11,} {reply.median_ms:>10.2f} {reply.replies:>8} "
                         f"{reply.python_cpu_ms:>15.2f} {database:>10}   "
                         f"<= {REPLY_TARGET_MS} ms {mark(reply.median_ms <= REPLY_TARGET_MS)}, "
                         f"x{growth:.2f} of the smallest table {mark(growth <= GROWTH_TOLERANCE)}")
    return lines


def cpu(ms):
    return "n/a" if ms is None else f"{ms:.1f} ms"


def http_table(result):
    answers = ", ".join(f"{count} x {status}" for status, count in sorted(result.statuses.items()))
    accepted = result.statuses.get(302, 0)
    lost = accepted - result.stored
    return [
        "", f"Posting through HTTP: {result.posters} concurrent posters, gunicorn with "
            f"{result.workers} workers (DEBUG off), {result.posts} posts, "
            f"{bench_http.REPLY_SHARE:.0%} of them replies into a 1,000-comment discussion",
        f"  {result.per_second:.1f} posts/s   target >= {bench_http.POSTS_PER_SECOND_TARGET} "
        f"{mark(result.per_second >= bench_http.POSTS_PER_SECOND_TARGET)}",
        f"  latency p50 {result.percentile(0.5):.0f} ms, p99 {result.percentile(0.99):.0f} ms   "
        f"target p99 <= {bench_http.P99_TARGET_MS} ms {mark(result.percentile(0.99) <= bench_http.P99_TARGET_MS)}",
        f"  CPU per post: {cpu(result.app_cpu_ms)} in the gunicorn workers, {cpu(result.database_cpu_ms)} "
        f"in their PostgreSQL backends; load average {result.load_average:.1f} on "
        f"{os.cpu_count()} cores (with more runnable processes than cores, posts wait for one)",
        f"  answers: {answers}; stored: {result.stored} "
        f"({'nothing acknowledged lost' if lost <= 0 else f'{lost} ACKNOWLEDGED AND LOST'})",
        "  flood limits as in production: each post comes from its own account and its own "
        "address, sent in X-Forwarded-For to gunicorn run with TRUSTED_PROXIES=127.0.0.1/32 (the bench plays "
        "the reverse proxy)",
    ]


def run(*, sizes, reply_tables, thread_size, replies, runs, http_posts=0, seed=1, log=print,
        serving_rounds=5, serving_seconds=3):
    with bench_settings(), warnings.catch_warnings():
        # WhiteNoise warns that STATIC_ROOT has not been collected: the bench needs no files.
        warnings.filterwarnings("ignore", message="No directory at")
        log(f"Database: {connection.vendor}")
        render = bench_render(log)
        scoring = bench_scoring.run(log)
        # Replies first: they need the table to grow from small to large; the pages are then
        # read from the full table, as on a live site.
        reply_results = bench_replies(reply_tables, thread_size, replies, seed, log) if reply_tables else []
        pages = bench_pages(sizes, runs, seed, log)
        queue_cost = notifications_bench.run(replies * 2, log)
        http = bench_http.bench_http(http_posts, seed, log) if http_posts else None
        report = checks.check()
        lines = table(pages, reply_results, render) + scoring + queue_cost + (http_table(http) if http else [])
        if serving_rounds:
            lines += bench_serving.run(rounds=serving_rounds, seconds=serving_seconds,
                                       runs=runs * 2, seed=seed, log=log)
        lines.append("")
        lines.append(f"check_comment_trees on the bench data: "
                     f"{'sound' if report.ok else 'BROKEN'} ({report.comments:,} comments, "
                     f"{report.trees:,} trees)")
    return pages, reply_results, report, lines
