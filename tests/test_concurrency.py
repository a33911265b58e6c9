"""Many people posting into the same threads at once (PostgreSQL: real concurrent writers).

Each worker thread has its own database connection and posts through
comments.actions.post_comment, so the comments.tree locks are what keeps the trees sound.
SQLite is skipped: it runs one writer at a time whatever the code does, so these tests could
not fail there.
"""

import random
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from mptt.managers import TreeManager

from comments import checks, tree
from comments.actions import post_comment
from comments.models import Comment
from newsroom.models import Article
from tests.factories import ArticleFactory, UserFactory

# What every test of writers racing each other needs: PostgreSQL, commits the other workers'
# connections see, and no flood limits.
RACING = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers itself, so races cannot happen",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_flood_limits"),
]
pytestmark = RACING

WORKERS = 8
POSTS_EACH = 25
SEED_THREADS = 3


def run_workers(count, work):
    """Run work(number) in `count` threads started together; re-raise the first error."""
    errors = []
    start = threading.Barrier(count)

    def run(number):
        try:
            start.wait(timeout=10)
            work(number)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    if errors:
        raise errors[0]


def racing(test):
    """RACING's marks on one test, in a module of others."""
    for mark in RACING:
        test = mark(test)
    return test


def test_concurrent_posts_into_the_same_threads_keep_the_trees_sound():
    article = ArticleFactory()
    people = [UserFactory() for _ in range(WORKERS)]
    starters = [post_comment(article=article, author=people[0], body=f"Thread {number} starts.")
                for number in range(SEED_THREADS)]
    replies_to = list(starters)  # comments in the seed threads: most posts answer one of them
    shared = threading.Lock()

    def work(number):
        rng = random.Random(number)
        for post in range(POSTS_EACH):
            with shared:
                parent = None if rng.random() < 0.12 else rng.choice(replies_to)
            comment = post_comment(article=article, author=people[number], parent=parent,
                                   body=f"Worker {number}, post {post}.")
            if parent is not None:
                with shared:
                    replies_to.append(comment)

    run_workers(WORKERS, work)

    total = SEED_THREADS + WORKERS * POSTS_EACH
    assert Comment.objects.count() == total
    for number in range(WORKERS):
        assert Comment.objects.filter(author=people[number], body__startswith=f"Worker {number},").count() == POSTS_EACH
    roots = list(Comment.objects.filter(parent=None).values_list("tree_id", flat=True))
    assert len(roots) == len(set(roots)), "two threads share a tree id"
    seed_trees = {starter.tree_id for starter in starters}
    assert Comment.objects.filter(tree_id__in=seed_trees).count() > total // 2  # they were busy
    report = checks.check()
    assert report.ok, "\n".join(report.lines())
    assert Article.objects.get(pk=article.pk).comment_count == total


@contextmanager
def locked_in_name_only(tree_id=None):
    """tree.locked() without the lock: marks the lock as held so Comment.save() lets the insert
    through, but takes no advisory lock."""
    key = tree.NEW_TREE if tree_id is None else tree_id
    with transaction.atomic():
        tree._keys().append(key)
        try:
            yield
        finally:
            tree._keys().remove(key)


@pytest.mark.parametrize("lock", ["locked", "lock bypassed"])
def test_two_new_threads_at_the_same_moment(lock, monkeypatch):
    """Two new top-level comments, both paused right after django-mptt computed the next tree
    id (max + 1) and before their INSERT. With the lock the second writer cannot get that far
    until the first has committed, so the pause times out and the ids differ. With the lock
    bypassed both compute the same id, every time: this shows that the tests above would
    catch a missing lock, and that the checker reports the damage."""
    if lock == "lock bypassed":
        monkeypatch.setattr(tree, "locked", locked_in_name_only)
    article = ArticleFactory()
    people = [UserFactory(), UserFactory()]
    computed = threading.Barrier(2)
    next_tree_id = TreeManager._get_next_tree_id

    def paused(self):
        tree_id = next_tree_id(self)
        try:
            computed.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass  # the other writer is waiting for the lock: it never gets here meanwhile
        return tree_id

    monkeypatch.setattr(TreeManager, "_get_next_tree_id", paused)
    run_workers(2, lambda number: post_comment(article=article, author=people[number],
                                               body=f"New thread by {number}."))

    tree_ids = list(Comment.objects.values_list("tree_id", flat=True))
    report = checks.check()
    if lock == "locked":
        assert len(set(tree_ids)) == 2
        assert report.ok, "\n".join(report.lines())
    else:
        assert len(set(tree_ids)) == 1  # the race, reproduced
        assert not report.ok
        assert "2 roots share this tree id" in "\n".join(report.lines())
