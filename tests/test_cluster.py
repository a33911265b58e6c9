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
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
import pytest
import redis
from django.db import connection

from newsroom import serving
from newsroom.cluster import Browser, Cluster, Ports, missing_programs
from newsroom.replicas import PIN_COOKIE

pytestmark = pytest.mark.cluster

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


def anonymous_page(port, path):
    status, headers, body = serving.fetch(port, path)
    assert status == 200, body[:2000]
    return headers, body.decode()


def query(cluster, port, sql, database="newsroom"):
    db = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=database)
    try:
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0] if cursor.description else None
    finally:
        db.close()


def pooled(cluster):
    """(pool mode, transactions so far) of the site's database in pgbouncer; (None, 0) before
    its first connection (pgbouncer makes the pool then)."""
    db = psycopg2.connect(host="127.0.0.1", port=cluster.ports.pooler, user="postgres", dbname="pgbouncer")
    try:
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute("SHOW POOLS")
            names = [column.name for column in cursor.description]
            pool = next((dict(zip(names, row)) for row in cursor.fetchall() if row[0] == "newsroom"), None)
            cursor.execute("SHOW STATS")
            names = [column.name for column in cursor.description]
            stats = next((dict(zip(names, row)) for row in cursor.fetchall() if row[0] == "newsroom"), None)
        return (pool["pool_mode"], stats["total_xact_count"]) if pool and stats else (None, 0)
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
    balancer, article = cluster.ports.balancer, cluster.article
    headers, page = anonymous_page(balancer, article)  # nginx keeps this copy for SECONDS
    assert headers["x-cache-status"] == "MISS"
    _, transactions = pooled(cluster)
    text = f"Posted through the first app server {secrets.token_hex(4)}"
    reader = Browser()
    reader.sign_in(app1, "reader")
    reader.post_comment(app1, article, text)
    # The post went through pgbouncer, in transaction mode, under the thread's advisory lock.
    mode, transactions_now = pooled(cluster)
    assert mode == "transaction"
    assert transactions_now > transactions

    # Its author, signed in, sees it at once through the balancer (nginx never keeps their pages).
    assert text in reader.get(balancer, article)[2]
    # Another reader on the other app server sees it as soon as the replica has it (the page
    # cache is keyed by the discussion's version, which the post moved).
    replica_caught_up(cluster)
    assert text in anonymous_page(app2, article)[1]
    # Behind the balancer: within the micro-cache's seconds.
    posted = time.monotonic()
    while text not in anonymous_page(balancer, article)[1]:
        assert time.monotonic() - posted < SECONDS + 3, "the balancer kept the old page too long"
        time.sleep(0.2)


def test_each_app_server_has_its_task_worker(cluster):
    assert [cluster.worker_running(number) for number in range(len(cluster.ports.apps))] == [True, True]


def test_reads_come_from_the_replica_and_a_writer_reads_their_own_writes(cluster):
    app1, app2 = cluster.ports.apps
    article = cluster.article
    before = replica_reads(cluster)
    for _ in range(5):
        anonymous_page(app1, article)
    deadline = time.monotonic() + 15
    while replica_reads(cluster) < before + 5:  # each page reads from the replica
        assert time.monotonic() < deadline, "anonymous article pages were not read from the replica"
        time.sleep(0.2)

    # With the replica held back, a comment posted now is not on the replica at all.
    query(cluster, cluster.ports.replica, "SELECT pg_wal_replay_pause()")
    try:
        text = f"Written while the replica waits {secrets.token_hex(4)}"
        editor = Browser()
        editor.sign_in(app2, "editor")
        editor.post_comment(app2, article, text)  # the replica refuses writes: this went to the primary
        assert editor.cookie(PIN_COOKIE)
        # Its author reads from the primary for the next seconds, on either server...
        assert text in editor.get(app1, article)[2]
        assert text in editor.get(app2, article)[2]
        # ...and so sees the comment the replica does not have yet, which anonymous readers
        # (served from the replica) do not see.
        assert text not in anonymous_page(app1, article)[1]
        # Once the pin has expired, the author reads from the replica like everyone else.
        editor.forget(PIN_COOKIE)
        assert text not in editor.get(app1, article)[2]
        assert query(cluster, cluster.ports.primary,
                     f"SELECT count(*) FROM comments_comment WHERE body = '{text}'") == 1
    finally:
        query(cluster, cluster.ports.replica, "SELECT pg_wal_replay_resume()")
    replica_caught_up(cluster)
    assert text in anonymous_page(app1, article)[1]


def test_flood_limits_and_the_page_cache_are_shared(cluster):
    app1, app2 = cluster.ports.apps
    # Sign-in attempts from one address, spread over both app servers: the limit is 10 a minute.
    flooder = Browser(address="198.51.100.23")
    statuses = [
        flooder.post_form(port, "/accounts/login/", "/accounts/login/",
                          {"username": "reader", "password": "wrong"})[0]
        for port in [app1, app2] * 6
    ]
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[10:] == [429, 429], statuses

    # The page one app server rendered is the copy the other one answers with (same address).
    address = f"{cluster.article}?sort=newest"
    stored = query_redis_pages(cluster)
    headers, page = anonymous_page(app1, address)
    assert len(query_redis_pages(cluster)) == len(stored) + 1
    assert anonymous_page(app2, address)[1] == page
    assert len(query_redis_pages(cluster)) == len(stored) + 1


def query_redis_pages(cluster):
    return redis.Redis(host="127.0.0.1", port=cluster.ports.redis).keys("*page:*")


def read_under_load(port, article, stop, statuses):
    reader = Browser()
    number = 0
    while not stop.is_set():
        number += 1
        # A new address each time: nginx's micro-cache cannot answer, an app server must.
        status, _, body = reader.get(port, f"{article}?n={threading.get_ident()}-{number}")
        statuses.append(status if "Eastern Ghouta" in body or status != 200 else "200 without the article")


def under_load(port, article, action, seconds=3):
    """Readers keep reading through port while action() runs in the middle; their statuses."""
    stop, statuses = threading.Event(), []
    readers = [threading.Thread(target=read_under_load, args=(port, article, stop, statuses))
               for _ in range(4)]
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
    statuses = under_load(cluster.ports.balancer, cluster.article, lambda: cluster.stop_app(0))
    try:
        assert len(statuses) > 10
        assert set(statuses) == {200}, statuses
        assert serving.fetch(cluster.ports.balancer, cluster.article)[0] == 200
    finally:
        cluster.start_app(0)


def test_a_stopped_replica_sends_reads_to_the_primary_without_an_error(cluster):
    app1, app2 = cluster.ports.apps
    statuses = under_load(app1, cluster.article, cluster.stop_replica)
    assert len(statuses) > 10
    assert set(statuses) == {200}, statuses
    for port in (app1, app2, cluster.ports.balancer):
        assert serving.fetch(port, f"{cluster.article}?after-the-replica")[0] == 200
    assert "Replica replica1 is unavailable" in cluster.app_log(0) + cluster.app_log(1)
