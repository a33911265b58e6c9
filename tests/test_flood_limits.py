"""Flood limits are sliding windows: at most N attempts in ANY span of the window's length, on
the in-process cache and on Redis, counted atomically when workers race."""

import threading

import pytest

from comments.models import Comment
from newsroom import ratelimit
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["in-process cache", "Redis"])
def shared_cache(request, settings):
    """Each test runs on the in-process cache and on a Redis server of its own."""
    if request.param == "Redis":
        settings.CACHES = request.getfixturevalue("redis_server").cache_settings()
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return request.param


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, set by the test (seconds)."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(ratelimit, "clock", lambda: Clock.now)
    return Clock


def test_a_burst_across_a_fixed_windows_edge_is_refused(shared_cache, settings, client, clock):
    settings.COMMENTS_RATE_LIMITS = [(2, 10)]
    settings.COMMENTS_IP_RATE_LIMITS = [(1000, 60)]
    client.force_login(UserFactory())
    article = ArticleFactory()

    def post(at, body):
        clock.now = at
        return client.post(f"/comments/article/{article.pk}/", {"body": body})

    # Fixed 10-second windows started at 1,000,000 and 1,000,010: the third post, 0.3 s after
    # the second but in the next window, used to be accepted.
    assert post(1_000_009.6, "one").status_code == 302
    assert post(1_000_009.8, "two").status_code == 302
    refused = post(1_000_010.1, "three")
    assert refused.status_code == 429
    # The first post leaves the window at 1,000,019.6: 9.5 s later, rounded up.
    assert refused["Retry-After"] == "10"
    assert post(1_000_019.5, "still too soon").status_code == 429
    assert post(1_000_019.6, "four").status_code == 302
    assert list(Comment.objects.order_by("pk").values_list("body", flat=True)) == ["one", "two", "four"]


def test_every_limit_holds_over_any_span_and_refusals_are_not_counted(shared_cache, clock):
    limits = {"test:someone": [(1, 2), (3, 60)]}
    accepted = []
    for tenth in range(0, 700, 5):  # an attempt every half second for 70 s
        clock.now = 1_000_000 + tenth / 10
        if ratelimit.retry_after(limits) is None:
            accepted.append(clock.now)
    # One every 2 s until three are used; then nothing until the first is 60 s old.
    assert accepted == [1_000_000, 1_000_002, 1_000_004, 1_000_060, 1_000_062, 1_000_064]


def test_retry_after_is_the_wait_until_the_oldest_attempt_leaves_the_window(shared_cache, clock):
    limits = {"test:someone": [(2, 60)]}
    clock.now = 1_000_000.0
    assert ratelimit.retry_after(limits) is None
    clock.now = 1_000_030.0
    assert ratelimit.retry_after(limits) is None
    clock.now = 1_000_040.5
    assert ratelimit.retry_after(limits) == 20  # 19.5 s, rounded up
    clock.now = 1_000_060.0
    assert ratelimit.retry_after(limits) is None
    assert ratelimit.retry_after(limits) == 30  # now the one at 1,000,030 is the oldest


def test_a_refusal_by_one_scope_counts_against_no_other(shared_cache, clock):
    person = {"test:person": [(5, 60)]}
    assert ratelimit.retry_after({**person, "test:address": [(1, 60)]}) is None
    assert ratelimit.retry_after({**person, "test:address": [(1, 60)]}) == 60
    # The refused attempt did not take one of the person's five places.
    for _ in range(4):
        assert ratelimit.retry_after(person) is None
    assert ratelimit.retry_after(person) == 60


def test_racing_workers_never_share_out_more_than_the_limit(shared_cache, clock):
    """Threads use their own cache connections, as workers would; all try at the same time."""
    limits = {"test:crowd": [(5, 60)]}
    start = threading.Barrier(20)
    results = []

    def attempt():
        start.wait()
        results.append(ratelimit.retry_after(limits))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(None) == 5
    assert all(wait == 60 for wait in results if wait is not None)
