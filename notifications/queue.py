"""What the comment writers call when comments become public (comments/actions.py and
comments/moderation.py): the notifications about them are worked out by a task that runs
after the transaction commits, on the worker, so posting or deciding never waits for mail, and
a change that rolls back never mails anyone. Nothing here imports the comments app, which
imports this."""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)
CHUNK = 500


def comments_shown(comment_ids):
    """These comments have just become public (posted shown, approved, restored)."""
    comment_ids = list(comment_ids)
    for start in range(0, len(comment_ids), CHUNK):  # a bulk approval: a few tasks, not one per comment
        after_commit("comments_shown", comment_ids[start:start + CHUNK])


def after_commit(task_name, *args):
    """Enqueue the task once the current transaction commits (at once outside one). A queue
    that cannot take it (Redis away) is logged as an error, never turned into a failed post."""
    transaction.on_commit(partial(_enqueue, task_name, args), robust=True)


def _enqueue(task_name, args):
    from notifications import tasks

    try:
        getattr(tasks, task_name).enqueue(*args)
    except Exception:
        logger.exception("could not enqueue %s%r: the mail it would send is not sent", task_name, args)
