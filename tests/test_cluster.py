"""The site as on several machines (`make cluster`, newsroom/cluster.py), started on free ports:
a PostgreSQL primary and a streaming replica, pgbouncer in transaction mode, Redis, two app
servers and nginx balancing them with the micro-cache. What readers would notice if the parts
did not fit: a comment missing on the other server or behind the balancer, an author not
seeing their own comment, flood limits that a second server resets, an error page while an
app server or the replica stops.

It starts real servers (about a minute), so it needs Debian's postgresql, pgbouncer,
nginx-light and redis-server; without them it is skipped with the reason, except under
CI=true, where it must run. It runs in the PostgreSQL run of the suite (CI's first run); the
SQLite run skips it. `-m "not cluster"` leaves it out locally.
"""

import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection

from newsroom import serving
from newsroom.cluster import Cluster, Ports, missing_programs
from newsroom.replicas import PIN_COOKIE

pytestmark = pytest.mark.cluster

ARTICLE = "/2021/06/01/jaysh-al-islam-may-withdraw-from-eastern-ghouta-to-eastern-qalamun/"
PASSWORD = "newsroom-demo"  # load_demo's accounts
SECONDS = 2  # PUBLIC_CACHE_SECONDS in the cluster: how long nginx may keep an anonymous page


def skip_or_fail(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"The cluster test must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster():
    if connection.vendor != "postgresql":
        pytest.skip("the cluster test runs with the PostgreSQL suite (a postgres:// DATABASE_URL)")
    missing = missing_programs()
    if missing:
        skip_or_fail(f"it needs apt-get install {' '.join(missing)}")
    parent = Path(tempfile.mkdtemp(prefix="newsroom-cluster-test-"))
    parent.chmod(0o755)  # PostgreSQL runs as another account when the tests run as root
    cluster = Cluster(parent / "cluster", Ports.free(), environment={"PUBLIC_CACHE_SECONDS": str(SECONDS)})
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()
        shutil.rmtree(parent, ignore_errors=True)


class Reader:
    """A browser of sorts: its own cookies (shared by every port of 127.0.0.1, as a browser
    shares them), redirects followed, any status returned rather than raised."""

    def __init__(self, address=None):
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.headers = {"X-Forwarded-For": address} if address else {}

    def open(self, port, path, data=None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers=self.headers,
            data=urlencode(data).encode() if data is not None else None,
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, port, path):
        return self.open(port, path)

    def post_form(self, port, path, form_page, data):
        """POST to path with the CSRF token of the form on form_page."""
        status, _, page = self.get(port, form_page)
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.open(port, path, {"csrfmiddlewaretoken": token, **data})

    def sign_in(self, port, username):
        status, _, page = self.post_form(port, "/accounts/login/", "/accounts/login/",
                                         {"username": username, "password": PASSWORD})
        assert status == 200 and "Sign out" in page, page[:2000]

    def post_comment(self, port, text):
        status, _, page = self.get(port, ARTICLE)
        action = re.search(r'action="(/comments/article/\d+/)"', page).group(1)
        status, _, page = self.post_form(port, action, ARTICLE, {"body": text})
        assert status == 200 and text in page, page[:2000]

    def has_pin(self):
        return any(cookie.name == PIN_COOKIE for cookie in self.cookies)

    def forget_pin(self):
        for cookie in list(self.cookies):
            if cookie.name == PIN_COOKIE:
                self.cookies.clear(cookie.domain, cookie.path, cookie.name)


def anonymous_page(port, path=ARTICLE):
    status, headers, body = serving.fetch(port, path)
    assert status == 200, body[:2000]
    return headers, body.decode()


def query(cluster, port, sql):
    db = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="newsroom")
    try:
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0] if cursor.description else None
    finally:
        db.close()


def replica_caught_up(cluster, timeout=10):
    """Wait until the replica has replayed everything the primary has written so far."""
    written = query(cluster, cluster.ports.primary, "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while not query(cluster, cluster.ports.replica, f"SELECT pg_last_wal_replay_lsn() >= '{written}'"):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.02)


def replica_reads(cluster):
    """Transactions the replica has run in the site's database (statistics reach the view a
    moment after each transaction ends, when its connection is idle)."""
    return query(cluster, cluster.ports.replica,
                 "SELECT xact_commit FROM pg_stat_database WHERE datname = 'newsroom'")


def test_a_comment_is_on_every_server_and_behind_the_balancer(cluster):
    app1, app2 = cluster.ports.apps
    balancer = cluster.ports.balancer
    headers, page = anonymous_page(balancer)  # nginx keeps this copy for SECONDS
    assert headers["x-cache-status"] == "MISS"
    text = f"Posted through the first app server {secrets.token_hex(4)}"
    reader = Reader()
    reader.sign_in(app1, "reader")
    reader.post_comment(app1, text)

    # Its author, signed in, sees it at once through the balancer (nginx never keeps their pages).
    assert text in reader.get(balancer, ARTICLE)[2]
    # Another reader on the other app server sees it as soon as the replica has it (the page
    # cache is keyed by the discussion's version, which the post moved).
    replica_caught_up(cluster)
    assert text in anonymous_page(app2)[1]
    # Behind the balancer: within the micro-cache's seconds.
    posted = time.monotonic()
    while text not in anonymous_page(balancer)[1]:
        assert time.monotonic() - posted < SECONDS + 3, "the balancer kept the old page too long"
        time.sleep(0.2)


def test_reads_come_from_the_replica_and_a_writer_reads_their_own_writes(cluster):
    app1, app2 = cluster.ports.apps
    before = replica_reads(cluster)
    for _ in range(5):
        anonymous_page(app1)
    deadline = time.monotonic() + 15
    while replica_reads(cluster) < before + 5:  # each page reads from the replica
        assert time.monotonic() < deadline, "anonymous article pages were not read from the replica"
        time.sleep(0.2)

    # With the replica held back, a comment posted now is not on the replica at all.
    query(cluster, cluster.ports.replica, "SELECT pg_wal_replay_pause()")
    try:
        text = f"Written while the replica waits {secrets.token_hex(4)}"
        editor = Reader()
        editor.sign_in(app2, "editor")
        editor.post_comment(app2, text)  # the replica refuses writes: this went to the primary
        assert editor.has_pin()
        # Its author reads from the primary for the next seconds, on either server...
        assert text in editor.get(app1, ARTICLE)[2]
        assert text in editor.get(app2, ARTICLE)[2]
        # ...and so sees the comment the replica does not have yet, which anonymous readers
        # (served from the replica) do not see.
        assert text not in anonymous_page(app1)[1]
        # Once the pin has expired, the author reads from the replica like everyone else.
        editor.forget_pin()
        assert text not in editor.get(app1, ARTICLE)[2]
        assert query(cluster, cluster.ports.primary,
                     f"SELECT count(*) FROM comments_comment WHERE body = '{text}'") == 1
    finally:
        query(cluster, cluster.ports.replica, "SELECT pg_wal_replay_resume()")
    replica_caught_up(cluster)
    assert text in anonymous_page(app1)[1]


def test_flood_limits_and_the_page_cache_are_shared(cluster):
    app1, app2 = cluster.ports.apps
    # Sign-in attempts from one address, spread over both app servers: the limit is 10 a minute.
    flooder = Reader(address="198.51.100.23")
    statuses = [
        flooder.post_form(port, "/accounts/login/", "/accounts/login/",
                          {"username": "reader", "password": "wrong"})[0]
        for port in [app1, app2] * 6
    ]
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[10:] == [429, 429], statuses

    # The page one app server rendered is the copy the other one answers with (same address).
    address = f"{ARTICLE}?sort=newest"
    stored = query_redis_pages(cluster)
    headers, page = anonymous_page(app1, address)
    assert len(query_redis_pages(cluster)) == len(stored) + 1
    assert anonymous_page(app2, address)[1] == page
    assert len(query_redis_pages(cluster)) == len(stored) + 1


def query_redis_pages(cluster):
    return redis.Redis(host="127.0.0.1", port=cluster.ports.redis).keys("*page:*")


def read_under_load(port, stop, statuses):
    reader = Reader()
    number = 0
    while not stop.is_set():
        number += 1
        # A new address each time: nginx's micro-cache cannot answer, an app server must.
        status, _, body = reader.get(port, f"{ARTICLE}?n={threading.get_ident()}-{number}")
        statuses.append(status if "Eastern Ghouta" in body or status != 200 else "200 without the article")


def under_load(port, action, seconds=3):
    """Readers keep reading through port while action() runs in the middle; their statuses."""
    stop, statuses = threading.Event(), []
    readers = [threading.Thread(target=read_under_load, args=(port, stop, statuses)) for _ in range(4)]
    for reader in readers:
        reader.start()
    time.sleep(seconds / 3)
    try:
        action()
        time.sleep(seconds * 2 / 3)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    return statuses


def test_stopping_an_app_server_loses_no_request_at_the_balancer(cluster):
    app1, app2 = cluster.ports.apps
    statuses = under_load(cluster.ports.balancer, lambda: cluster.stop_app(0))
    try:
        assert len(statuses) > 10
        assert set(statuses) == {200}, statuses
        assert serving.fetch(cluster.ports.balancer, ARTICLE)[0] == 200
    finally:
        cluster.start_app(0)


def test_a_stopped_replica_sends_reads_to_the_primary_without_an_error(cluster):
    app1, app2 = cluster.ports.apps
    statuses = under_load(app1, cluster.stop_replica)
    assert len(statuses) > 10
    assert set(statuses) == {200}, statuses
    for port in (app1, app2, cluster.ports.balancer):
        assert serving.fetch(port, f"{ARTICLE}?after-the-replica")[0] == 200
    assert "Replica replica1 is unavailable" in cluster.app_log(0) + cluster.app_log(1)
