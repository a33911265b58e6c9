"""Posting through HTTP for `make bench`: concurrent posters against a real gunicorn.

The bench starts gunicorn (DEBUG off, comments.bench_settings) on a free port of 127.0.0.1,
against the bench's own throw-away database, and lets POSTERS threads post as fast as the
site answers (each waits for its answer before it posts again), a mix of replies into a
1,000-comment discussion and new threads, as signed-in readers through the real forms.

The site's flood limits stay on (one comment per 10 s and 30 an hour per account; 5 a minute
and 120 an hour per address): every post comes from its own account and its own address. The
bench plays the reverse proxy: gunicorn runs with TRUSTED_PROXIES=127.0.0.1/32 and each
request carries its poster's address in X-Forwarded-For, exactly as the site sees readers
behind its proxy in production.
"""

import http.client
import os
import random
import secrets
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from comments.generate import SENTENCES, generate
from comments.models import Comment
from newsroom import serving
from newsroom.models import User

POSTERS = 16
WORKERS = 2
POSTS_PER_SECOND_TARGET = 50
P99_TARGET_MS = 300
REPLY_SHARE = 0.7  # the rest start new threads


@dataclass
class HttpResult:
    posters: int
    workers: int
    posts: int
    seconds: float
    latencies_ms: list
    statuses: dict
    stored: int
    # CPU time per post of the gunicorn workers and of the database's backends serving them,
    # when they run on this machine (None otherwise), and the load average meanwhile: on a
    # busy machine the posts wait for a core, and these say what a post itself costs.
    app_cpu_ms: float | None = None
    database_cpu_ms: float | None = None
    load_average: float | None = None

    @property
    def per_second(self):
        return self.posts / self.seconds

    def percentile(self, share):
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def serving_gunicorn(workers):
    """gunicorn serving the bench's database: yields (port, its master process)."""
    with serving.gunicorn(workers=workers, environment={
        "DJANGO_SETTINGS_MODULE": "comments.bench_settings",
        "DATABASE_URL": serving.database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions the bench made are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "127.0.0.1/32",
    }) as (port, process):
        yield port, process


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def signed_in_posters(count, prefix):
    """`count` accounts, each with a session (signed in as the login view would) and a
    CSRF token, and an address of its own: (session key, token, address) triples."""
    users = User.objects.bulk_create(
        User(username=f"{prefix}-{number}", display_name=f"Bench Poster {number}",
             password="!bench")  # an unusable password: nobody signs in with it
        for number in range(count)
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + timedelta(days=1)
    sessions = []
    for user in users:
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=secrets.token_hex(16),
                                session_data=SessionStore().encode(data), expire_date=expires))
    Session.objects.bulk_create(sessions)
    return [(session.session_key, secrets.token_hex(16), f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
            for n, session in enumerate(sessions, 1)]


def cpu_seconds(pids):
    """CPU time (user and system) these processes have used, from /proc (0 for any gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def workers_of(master):
    """The process ids of the gunicorn master's workers (Linux), or [] when unknown."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def database_backends():
    """The PostgreSQL backends connected to this database but this one (the workers', with
    persistent connections), if the server runs on this machine; [] otherwise."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        pids = [pid for (pid,) in cursor.fetchall()]
    return pids if all(Path(f"/proc/{pid}").exists() for pid in pids) else []


def post_all(port, jobs, posters):
    """Post every job with `posters` threads; returns (seconds, latencies in ms, statuses)."""
    lock, latencies, statuses = threading.Lock(), [], {}
    pending = iter(jobs)

    def poster():
        while True:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            path, (session, token, address), body = job
            started = time.perf_counter()
            status, _ = request(port, "POST", path, body=urlencode(
                {"body": body, "csrfmiddlewaretoken": token}), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
                          f"{settings.CSRF_COOKIE_NAME}={token}",
                "X-Forwarded-For": address,
            })
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=poster) for _ in range(posters)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def bench_http(posts, seed, log, posters=POSTERS, workers=WORKERS, warm_up=None):
    warm_up = posters * 2 if warm_up is None else warm_up
    made = generate(articles=1, comments=1000, seed=seed * 1000 + 900)
    article = made.articles[0]
    parents = list(Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED)
                   .values_list("pk", flat=True))
    rng = random.Random(seed)
    accounts = signed_in_posters(warm_up + posts, prefix=f"bench-http-{seed}")

    def job(number):
        path = (f"/comments/{rng.choice(parents)}/reply/" if rng.random() < REPLY_SHARE
                else f"/comments/article/{article.pk}/")
        body = f"Bench post {number}. " + " ".join(rng.sample(SENTENCES, 2))
        return path, accounts[number], body

    with serving_gunicorn(workers) as (port, process):
        post_all(port, [job(n) for n in range(warm_up)], posters)
        before = Comment.objects.count()
        app, database = workers_of(process.pid), database_backends()
        app_before, database_before = cpu_seconds(app), cpu_seconds(database)
        seconds, latencies, statuses = post_all(
            port, [job(n) for n in range(warm_up, warm_up + posts)], posters)
        app_ms = (cpu_seconds(app) - app_before) * 1000 / posts if app else None
        # Backends that connected meanwhile count whole; the workers keep theirs (CONN_MAX_AGE).
        database = set(database) | set(database_backends())
        database_ms = (cpu_seconds(database) - database_before) * 1000 / posts if database else None
        stored = Comment.objects.count() - before
    result = HttpResult(posters, workers, posts, seconds, latencies, statuses, stored,
                        app_ms, database_ms, os.getloadavg()[0])
    log(f"  {posts} posts through HTTP: {result.per_second:.1f} posts/s")
    return result
