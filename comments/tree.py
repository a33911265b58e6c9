"""The one place that changes the shape of comment trees.

django-mptt takes no lock: two replies racing into one thread both compute their lft/rght from
the same stale numbers, and two new top-level comments both take max(tree_id) + 1. Every write
that adds, moves or renumbers nodes therefore runs inside `locked()`:

- PostgreSQL: a transaction-level advisory lock keyed by the tree's id, so a reply waits only
  for writers of its own thread; new threads share one key, so tree ids are handed out one at
  a time.
- SQLite: the database runs transactions as BEGIN IMMEDIATE (see settings), which takes the one
  database write lock at the start, so writers already queue.

Inside the lock, read the parent again before inserting under it: a copy read earlier may
predate another writer's change to the thread. Comment.save() refuses to insert a node
outside a lock, so a forgotten lock fails loudly in tests instead of corrupting a thread.

Lock order, for every writer, so no two ever wait for each other in a circle:
1. thread locks: one thread's (`locked`, `changing`); a writer that needs several takes
   them in ascending tree id;
2. rows of comments in those threads (FOR NO KEY UPDATE: Comment.objects.for_change());
3. the article's row and the thread root's version (comments/versions.py), last.
Every write to an existing comment (a decision, a flag, an edit, a deletion, a
recommendation) therefore runs inside `changing()`, which takes the thread's lock and then
the comment's row, read fresh: a reply (which reads its parent FOR NO KEY UPDATE inside the
same lock) and a removal of that parent are ordered one way or the other, never interleaved,
and the log always records the status a change really replaced. Nothing slow (rendering,
mail) runs while these locks are held.
"""

import threading
from contextlib import contextmanager

from django.db import connection, transaction

from newsroom.prepared import PreparedQuery

# Advisory lock keys are two 32-bit integers: a namespace for this app, then the tree.
LOCK_NAMESPACE = 0x636D  # "cm"
NEW_TREE = 0  # tree ids start at 1, so 0 is free to mean "creating a new thread"

_held = threading.local()


def _keys():
    if not hasattr(_held, "keys"):
        _held.keys = []
    return _held.keys


@contextmanager
def locked(tree_id=None):
    """A transaction holding the write lock of one thread, or of thread creation (None)."""
    key = NEW_TREE if tree_id is None else tree_id
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key])
        _keys().append(key)
        try:
            yield
        finally:
            _keys().remove(key)


@contextmanager
def changing(comment):
    """A transaction holding the comment's thread lock, then its row: yields the comment
    read fresh under both, so what the change reads (its status) is what it replaces."""
    with locked(comment.tree_id):
        yield read_for_change(comment.pk)


def read_for_change(pk):
    """The comment read fresh and its row locked until the transaction ends (the second step
    of the lock order, after its thread's lock), as Comment.objects.for_change().get(pk=pk)
    reads it; compiled once per process, as every reply and every change reads one."""
    from comments.models import Comment

    found = FOR_CHANGE.objects(pk=pk)
    if not found:
        raise Comment.DoesNotExist(f"No comment {pk}.")
    return found[0]


def for_change(pk):
    from comments.models import Comment

    return Comment.objects.for_change().filter(pk=pk).order_by()


FOR_CHANGE = PreparedQuery(for_change, pk=int)


@contextmanager
def locked_threads(tree_ids):
    """A transaction holding the write locks of several threads, taken in ascending tree id
    (the order every writer that needs more than one takes them), in one statement."""
    keys = sorted(set(tree_ids))
    with transaction.atomic():
        if connection.vendor == "postgresql" and keys:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_advisory_xact_lock(%s, key)) FROM unnest(%s::integer[]) AS key",
                    [LOCK_NAMESPACE, keys],
                )
        held = _keys()
        held.extend(keys)
        try:
            yield
        finally:
            del held[len(held) - len(keys):]


def holds_lock(tree_id=None):
    return (NEW_TREE if tree_id is None else tree_id) in _keys()


def rebuild(tree_id):
    """Renumber one thread from its parent links (used by check_comment_trees --repair)."""
    from comments import versions
    from comments.models import Comment

    with locked(tree_id):
        Comment.objects.partial_rebuild(tree_id)
        root = Comment.objects.filter(tree_id=tree_id, level=0).first()
        if root is not None:
            versions.discussion_changed(root)
