"""Outages: the site keeps answering as usual while Redis is away, and answers a readable 503
(never a bare 500) while the database is; both recover by themselves.

Real servers throughout: the Redis client against a closed port and against a redis-server
the test stops and starts; gunicorn against a database URL nobody answers, and against
PostgreSQL through a TCP relay the test cuts."""

import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from comments.models import Comment, Word
from newsroom import ratelimit
from newsroom.serving import free_port
from tests.conftest import redis_cache_settings
from tests.factories import ArticleFactory, UserFactory

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def closed_port():
    """A port of 127.0.0.1 that refuses connections: bound, never listening, and held for the
    whole test, so no other server can take it meanwhile."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield reserved.getsockname()[1]


def post_comment(client, article, body):
    return client.post(f"/comments/article/{article.pk}/", {"body": body})


# Redis away -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_unreachable_readers_post_sign_in_sign_up_and_reset_passwords(
        client, settings, caplog, closed_port):
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{closed_port}/0")
    settings.COMMENTS_RATE_LIMITS = [(1, 10)]
    ratelimit.FALLBACK.clear()
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    article = ArticleFactory()
    UserFactory(username="rita", email="rita@example.com", password="first secret pass")

    assert client.get(article.get_absolute_url()).status_code == 200
    signed_up = client.post("/accounts/signup/", {
        "username": "newcomer", "display_name": "New Comer", "email": "new@example.com",
        "password1": "a long new password", "password2": "a long new password",
    })
    assert signed_up.status_code == 302
    client.logout()
    signed_in = client.post("/accounts/login/", {"username": "rita", "password": "first secret pass"})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session, signed_in

    assert post_comment(client, article, "Posted while Redis is away.").status_code == 302
    # The page's cached parts miss and are rendered.
    assert "Posted while Redis is away." in client.get(article.get_absolute_url()).content.decode()
    # The flood limit still holds, counted in this process.
    refused = post_comment(client, article, "And again at once.")
    assert refused.status_code == 429 and refused["Retry-After"] == "10"
    # Word lists are read from the database, with no version to compare.
    Word.objects.create(text="grotesque", kind=Word.Kind.BANNED)
    settings.COMMENTS_RATE_LIMITS = [(100, 10)]
    banned = post_comment(client, article, "Something grotesque.")
    assert banned.status_code == 400 and "grotesque" in banned.content.decode()
    assert list(Comment.objects.values_list("body", flat=True)) == ["Posted while Redis is away."]

    client.logout()
    assert client.post("/accounts/password_reset/", {"email": "rita@example.com"}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    set_password = client.get(link, follow=True)
    assert set_password.status_code == 200
    done = client.post(set_password.redirect_chain[-1][0], {
        "new_password1": "second secret pass", "new_password2": "second secret pass",
    })
    assert done.status_code == 302
    assert client.login(username="rita", password="second secret pass")

    # One warning for the outage, not one per request.
    warnings = [r.getMessage() for r in caplog.records if r.name == "newsroom.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0], warnings


@pytest.mark.django_db
def test_posting_goes_on_while_redis_stops_and_limits_are_shared_again_once_it_returns(
        client, settings, redis_server, monkeypatch):
    import redis

    settings.CACHES = redis_server.cache_settings()
    settings.COMMENTS_RATE_LIMITS = [(1, 10)]
    settings.COMMENTS_IP_RATE_LIMITS = [(1000, 60)]
    ratelimit.FALLBACK.clear()
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0])
    reader = UserFactory()
    client.force_login(reader)
    article = ArticleFactory()
    flood_key = f"newsroom:1:flood:comments:user:{reader.pk}:10"
    server = redis.Redis(host="127.0.0.1", port=redis_server.port)

    assert post_comment(client, article, "Redis is up.").status_code == 302
    assert server.llen(flood_key) == 1  # counted where every worker sees it

    redis_server.stop()
    now[0] += 20
    assert post_comment(client, article, "Redis has stopped.").status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 200
    now[0] += 1
    assert post_comment(client, article, "Too soon, even now.").status_code == 429

    redis_server.start()  # empty: it keeps nothing on disk
    time.sleep(0.3)  # the backend tries Redis again 0.2 s after its last failure
    now[0] += 20
    assert post_comment(client, article, "Redis is back.").status_code == 302
    assert server.llen(flood_key) == 1
    # Another worker, with nothing counted in its own process, sees that count.
    ratelimit.FALLBACK.clear()
    now[0] += 1
    assert post_comment(client, article, "Too soon again.").status_code == 429
    assert list(Comment.objects.order_by("pk").values_list("body", flat=True)) == [
        "Redis is up.", "Redis has stopped.", "Redis is back."]



def test_a_read_on_a_connection_redis_closed_finds_what_is_kept(settings, redis_server, caplog):
    """The cache reads (get_many: the front's validators, the thread markups; get) on a
    connection each thread keeps (newsroom/cache.py): one Redis closed meanwhile (a restart,
    an idle timeout) costs a new connection, never a miss or an outage."""
    import redis
    from django.core.cache import cache

    settings.CACHES = redis_server.cache_settings()
    cache.set_many({"generation": 7, "page": ("<p>kept</p>", ["etag"])})
    assert cache.get_many(["generation", "page"]) == {"generation": 7, "page": ("<p>kept</p>", ["etag"])}
    server = redis.Redis(host="127.0.0.1", port=redis_server.port)
    assert server.client_kill_filter(_type="normal", skipme=True) >= 1  # the cache's connections

    with caplog.at_level(logging.WARNING, logger="newsroom.cache"):
        assert cache.get_many(["generation", "page"]) == {"generation": 7, "page": ("<p>kept</p>", ["etag"])}
        server.client_kill_filter(_type="normal", skipme=True)
        assert cache.get("page") == ("<p>kept</p>", ["etag"])
    assert not caplog.records

# The database away ----------------------------------------------------------------------


class Gunicorn:
    """The site in gunicorn (DEBUG off), as production runs it, with the environment given."""

    def __init__(self, database_url, log):
        self.port = free_port()
        self.log = log
        env = {
            **os.environ, "DEBUG": "0", "DATABASE_URL": database_url, "REDIS_URL": "",
            # Static files by plain names, as in the bench: no collectstatic run needed.
            "DJANGO_SETTINGS_MODULE": "comments.bench_settings",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}"],
            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start: {self.log.read_text()}")
                time.sleep(0.05)

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def assert_unavailable(site, path):
    status, headers, body = site.get(path)
    assert status == 503, (path, status, body[:500])
    assert headers["Retry-After"] == "10"
    assert "default-src 'self'" in headers["Content-Security-Policy"]  # the 503 page too
    assert "Back in a moment" in body and "cannot reach its database" in body


@pytest.mark.parametrize("database_url", [
    pytest.param(lambda tmp, port: f"postgres://postgres@127.0.0.1:{port}/newsroom", id="postgresql-closed-port"),
    pytest.param(lambda tmp, port: f"sqlite:///{tmp}/no-such-folder/db.sqlite3", id="sqlite-unopenable-file"),
])
def test_every_page_answers_a_readable_503_while_the_database_is_unreachable(
        tmp_path, closed_port, database_url):
    site = Gunicorn(database_url(tmp_path, closed_port), tmp_path / "gunicorn.log")
    try:
        for path in ["/", "/section/world/", "/2021/06/01/some-story/", "/search/?q=news",
                     "/feeds/rss/", "/sitemap.xml", "/comments/1/", "/accounts/login/",
                     "/accounts/signup/", "/nul\x00here/".replace("\x00", "%00")]:
            assert_unavailable(site, path)
    finally:
        site.stop()


class Relay:
    """A TCP relay to PostgreSQL that the test can cut (dropping every open connection, as a
    restart does) and restore, on the same port."""

    def __init__(self, upstream):
        self.upstream, self.port = upstream, free_port()
        self.sockets, self.listener = [], None

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in [(client, server), (server, client)]:
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        for end in [self.listener, *self.sockets]:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self.sockets = []  # shutting the listener down also wakes its blocked accept()


@pytest.mark.django_db(transaction=True)
def test_the_site_recovers_by_itself_when_postgresql_returns(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): SQLite is a file, not a server "
                    "that can go away and come back")
    article = ArticleFactory()
    db = connection.settings_dict
    relay = Relay((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    relay.start()
    user = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    site = Gunicorn(f"postgres://{user}127.0.0.1:{relay.port}/{db['NAME']}", tmp_path / "gunicorn.log")
    try:
        status, _, body = site.get("/feeds/rss/")
        assert status == 200 and article.headline in body  # a kept connection is now open
        relay.cut()
        assert_unavailable(site, "/feeds/rss/")
        assert_unavailable(site, article.get_absolute_url())
        relay.start()
        status, _, body = site.get("/feeds/rss/")
        assert status == 200 and article.headline in body
        assert site.get(article.get_absolute_url())[0] == 200
    finally:
        site.stop()
        relay.cut()


@pytest.mark.django_db(transaction=True)
def test_a_public_page_is_answered_when_its_kept_connection_was_dropped(client):
    """The validator's query checks a kept connection as it goes (newsroom/prepared.py),
    instead of Django's SELECT 1 before it: a connection PostgreSQL dropped meanwhile (a
    restart, an idle timeout) costs a new connection, never a 503 to the reader."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no connection to drop")
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200  # a connection is now open and kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [backend] = cursor.fetchone()
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    finally:
        other.close()
    # A new request (Django marks a kept connection as not yet checked at each request start).
    connection.health_check_done = False
    for response in (client.get(url), client.get(url, {"sort": "newest"})):
        assert response.status_code == 200 and article.headline in response.content.decode()
