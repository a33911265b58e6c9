"""The periodic work each worker does on a timer (`manage.py worker`, every
TASKS_PERIODIC_SECONDS, and once as it starts), since the task queue has no scheduler of its own:

- the notifications sweep (notifications/tasks.sweep): what the queue lost is sent late,
  never lost;
- the discussions' backlog check (comments/capacity.recheck): a discussion switches to
  pre-moderation when its oldest pending comment has waited too long, and back once its
  backlog has aged out or cleared, with nobody posting or deciding;
- the nightly retraining of the scoring models (with COMMENTS_SCORING_MODELS set): from
  COMMENTS_SCORING_RETRAIN_HOUR, once a day, one worker claims it and enqueues it as a task,
  which another worker (or this one) runs; posting never waits for it (the new models replace
  the old files atomically, comments/triage).

Several workers doing this at once is safe: each part is idempotent or claims what it does.
A part that fails is logged and the others still run; the next tick tries again.
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone

from notifications.models import Periodic

logger = logging.getLogger(__name__)
RETRAIN = "retrain_scoring"


def run():
    from comments import capacity
    from notifications import tasks

    for part in (tasks.sweep, capacity.recheck, start_retraining_when_due):
        try:
            part()
        except Exception:
            logger.exception("periodic work %s failed; tried again at the next tick", part.__name__)


def retraining_due_since():
    """The moment today's retraining is due from (None: retraining is off or not due yet)."""
    hour = settings.COMMENTS_SCORING_RETRAIN_HOUR
    if hour is None or not settings.COMMENTS_SCORING_MODELS:
        return None
    now = timezone.localtime()
    due = timezone.make_aware(datetime.combine(now.date(), time(hour)))
    return due if now >= due else None


def start_retraining_when_due():
    """Enqueue the retraining if today's is due and no worker has started it since."""
    due = retraining_due_since()
    if due is None:
        return False
    Periodic.objects.get_or_create(name=RETRAIN)
    claimed = (Periodic.objects.filter(name=RETRAIN)
               .exclude(last_started_at__gte=due).update(last_started_at=timezone.now()))
    if claimed:
        from comments.tasks import retrain_scoring

        retrain_scoring.enqueue()
        logger.info("nightly retraining of the scoring models enqueued")
    return bool(claimed)
