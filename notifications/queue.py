"""What the comment writers call when comments become public (comments/actions.py and
comments/moderation.py): the comment goes into the outbox (`Shown`) in the transaction that
shows it, so it is recorded if and only if the change commits; a task, which runs once it has,
wakes the worker to decide who hears about it and send the mail, so posting or deciding never
waits for mail. The task is only a wake-up: if the queue cannot take it (Redis away), the worker's sweep
(notifications/periodic.py) finds the comment in the outbox a minute later. Nothing here
imports the comments app, which imports this."""

import logging
from contextlib import nullcontext
from functools import partial

from django.db import connections, router, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
CHUNK = 500


def comments_shown(comment_ids):
    """These comments have just become public (posted shown, approved, restored)."""
    from notifications.models import Shown

    comment_ids = list(comment_ids)
    if len(comment_ids) == 1:
        into_outbox(comment_ids[0])
    else:
        Shown.objects.bulk_create([Shown(comment_id=pk) for pk in comment_ids])
    for start in range(0, len(comment_ids), CHUNK):  # a bulk approval: a few tasks, not one per comment
        after_commit("comments_shown", comment_ids[start:start + CHUNK])


def into_outbox(comment_id):
    """One comment into the outbox, as bulk_create would write it (no signals either), for
    every comment posted shown: the INSERT written out costs a third of bulk_create's."""
    from notifications.models import Shown

    connection = connections[router.db_for_write(Shown)]
    name = connection.ops.quote_name
    sql = (f"INSERT INTO {name(Shown._meta.db_table)} ({name(Shown._meta.get_field('comment').column)}, "
           f"{name(Shown._meta.get_field('created_at').column)}) VALUES (%s, %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [comment_id, connection.ops.adapt_datetimefield_value(timezone.now())])


def after_commit(task_name, *args):
    """Have the task run once the current transaction commits (at once outside one). A queue
    in the site's database (the default backend) takes it inside the transaction, under a
    savepoint: its row commits with the change or not at all, and costs no commit of its own.
    Any other queue (Redis) takes it once the transaction has committed. A queue that cannot
    take it is logged as an error, never turned into a failed post.

    Returns whether the queue took it: True or False, or None when that is known only once
    the transaction commits (a queue outside the database, inside a transaction)."""
    from django_tasks_db import DatabaseBackend

    from notifications import tasks

    task = getattr(tasks, task_name)
    if isinstance(task.get_backend(), DatabaseBackend):
        return _enqueue(task, args, savepoint=True)
    if not transaction.get_connection().in_atomic_block:
        return _enqueue(task, args)  # what on_commit would do at once, with its answer
    transaction.on_commit(partial(_enqueue, task, args), robust=True)
    return None


def _enqueue(task, args, savepoint=False):
    try:
        with transaction.atomic() if savepoint else nullcontext():
            task.enqueue(*args)
    except Exception:
        # Notifications wait in the outbox for the sweep; a confirmation link can be asked for
        # again (the pages that send one say so when it was refused).
        logger.exception("could not enqueue %s%r: left for the worker's sweep", task.name, args)
        return False
    return True
