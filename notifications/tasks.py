"""The background work of notifications, run by the task queue's worker (`manage.py worker`).

- comments_shown: comments just became public (in the outbox, `Shown`); decide who hears
  about each (the parent's author by a reply mail, followers in their next digest) and record
  one Notification per comment and person (the unique constraint makes a second decision
  about the same comment a no-op).
- send_reply: one reply mail. send_digest: one person's digest.
- send_confirmation: the link that confirms an address.
- sweep (not a task: the worker's timer runs it): what the queue lost, sent late but sent.

Each send claims its notifications first (pending → sending, one statement), so two workers
never send the same one; checks again that the comment is still public and the person still
wants it and may get it (a removal or a ban since then: skipped, with the reason); and on a
failure is tried again after NOTIFICATION_RETRY_DELAYS, then marked failed, for staff to see
in the admin. Nothing here runs under a comment thread's lock.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from comments.models import Comment
from comments.visibility import shown_to_everyone
from newsroom.models import User
from notifications import mail
from notifications.models import Follow, Notification, NotificationSettings, Shown

logger = logging.getLogger(__name__)
N = Notification
CLAIMABLE = [N.State.PENDING, N.State.RETRYING]
DIGEST_PERIODS = {
    NotificationSettings.Digest.HOURLY: timedelta(hours=1),
    NotificationSettings.Digest.DAILY: timedelta(days=1),
}


def why_not_mail(user, mail_settings):
    """Why this person gets no mail now ("" if they may): an account closed or banned, or no
    confirmed address. `user` comes with its commenter record (select_related)."""
    if not user.is_active:
        return "The account is inactive."
    commenter = getattr(user, "commenter", None)  # none: nothing was ever decided about them
    if commenter is not None and commenter.banned:
        return "The account is banned."
    if mail_settings is None or not mail_settings.email_confirmed:
        return "The address is not confirmed."
    return ""


@task()
def comments_shown(comment_ids):
    decide_shown(Shown.objects.filter(comment_id__in=comment_ids))


def decide_shown(outbox):
    """Decide the notifications of these outbox entries, then take them out of it. Deciding
    twice (the wake-up and the sweep, or two workers) records nothing twice: the unique
    constraint keeps one Notification per comment and person, and a send claims its row."""
    entries = list(outbox.values_list("pk", "comment_id"))
    comments = (shown_to_everyone(Comment.objects.filter(pk__in={comment_id for _, comment_id in entries}))
                .select_related("parent").order_by("pk"))
    for comment in comments:
        decide_recipients(comment)
    Shown.objects.filter(pk__in=[pk for pk, _ in entries]).delete()


def decide_recipients(comment):
    """Record who hears about this comment, and send or schedule it. Never its own author."""
    wanted = {}  # user id: kind
    parent = comment.parent
    if parent is not None and parent.author_id and parent.author_id != comment.author_id:
        wanted[parent.author_id] = N.Kind.REPLY
    followers = Follow.objects.filter(article_id=comment.article_id)
    if comment.parent_id is not None:
        followers = followers.filter(scope=Follow.Scope.ALL)
    for user_id in followers.exclude(user_id=comment.author_id).values_list("user_id", flat=True):
        wanted.setdefault(user_id, N.Kind.DIGEST)
    if not wanted:
        return
    people = {
        user.pk: user for user in
        User.objects.filter(pk__in=wanted).select_related("notification_settings", "commenter")
    }
    rows = []
    for user_id, kind in wanted.items():
        user = people.get(user_id)
        mail_settings = getattr(user, "notification_settings", None) if user else None
        if user is None or why_not_mail(user, mail_settings):
            continue
        if kind == N.Kind.REPLY and not mail_settings.reply_mails:
            if not followers.filter(user_id=user_id).exists():
                continue
            kind = N.Kind.DIGEST  # replies by mail are off, but they follow the discussion
        elif kind == N.Kind.REPLY and reply_mails_this_hour(user_id) >= settings.NOTIFICATION_REPLY_MAILS_PER_HOUR:
            kind = N.Kind.DIGEST  # a flood of replies: the rest wait for the digest
        rows.append(N(recipient_id=user_id, comment=comment, kind=kind))
    # A comment approved twice, or two workers on it: the constraint keeps the first row.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    fresh = Notification.objects.filter(comment=comment, state=N.State.PENDING, attempts=0)
    for notification_id in fresh.filter(kind=N.Kind.REPLY).values_list("pk", flat=True):
        later(send_reply, None, notification_id)
    for user_id in fresh.filter(kind=N.Kind.DIGEST).values_list("recipient_id", flat=True):
        schedule_digest(user_id)


def reply_mails_this_hour(user_id):
    since = timezone.now() - timedelta(hours=1)
    return Notification.objects.filter(recipient_id=user_id, kind=N.Kind.REPLY, created_at__gte=since).count()


def schedule_digest(user_id, due=None):
    """Make sure a digest is due for this person: at their period's end from now, unless one
    is already due (a due time long past means its task was lost: it is set again)."""
    mail_settings = NotificationSettings.objects.get(user_id=user_id)
    now = timezone.now()
    due = due or now + DIGEST_PERIODS.get(mail_settings.digest, DIGEST_PERIODS["daily"])
    free = Q(digest_due_at__isnull=True) | Q(digest_due_at__lt=now - timedelta(hours=1))
    if NotificationSettings.objects.filter(free, user_id=user_id).update(digest_due_at=due):
        later(send_digest, due, user_id)


def later(task_to_run, when, *args):
    """Enqueue the task to run no earlier than `when` (None: now). Both the database and the
    Redis backends can defer; a backend that cannot (the immediate one, for tests) runs it now.
    A queue that refuses it is logged and nothing more: the notification rows it was to send
    stay pending or retrying, and the sweep sends them."""
    try:
        if when is not None and task_to_run.get_backend().supports_defer:
            task_to_run = task_to_run.using(run_after=when)
        task_to_run.enqueue(*args)
    except Exception:
        logger.exception("could not enqueue %s%r: left for the worker's sweep", task_to_run.name, args)


SWEEP_LIMIT = 500  # of each kind in one sweep; the next takes the rest


def sweep():
    """What the queue lost, done now (the worker's timer, notifications/periodic.py): comments
    left in the outbox, reply mails pending or due to be retried, and digests due, each more
    than NOTIFICATION_SWEEP_AFTER ago, so the wake-up task had its chance first. Safe beside
    the tasks and other workers: deciding is idempotent and each send claims its rows."""
    late = timezone.now() - timedelta(seconds=settings.NOTIFICATION_SWEEP_AFTER)
    left = list(Shown.objects.filter(created_at__lt=late).order_by("pk").values_list("pk", flat=True)[:SWEEP_LIMIT])
    if left:
        logger.warning("sweeping %s comments left in the notifications outbox", len(left))
        decide_shown(Shown.objects.filter(pk__in=left))
    replies = (Notification.objects.filter(kind=N.Kind.REPLY)
               .filter(Q(state=N.State.PENDING, created_at__lt=late)
                       | Q(state=N.State.RETRYING, next_attempt_at__lt=late))
               .order_by("pk").values_list("pk", flat=True)[:SWEEP_LIMIT])
    for notification_id in replies:
        send_reply.call(notification_id)
    digests = NotificationSettings.objects.filter(digest_due_at__lt=late).values_list("user_id", flat=True)
    for user_id in digests[:SWEEP_LIMIT]:
        send_digest.call(user_id)


def claim(notifications):
    """Mark these notifications as being sent (pending or retrying ones only); returns the
    ids this worker claimed, read and changed under row locks (skipping rows another worker
    holds), so no two workers send one notification."""
    with transaction.atomic():
        ids = list(notifications.filter(state__in=CLAIMABLE).select_for_update(skip_locked=True)
                   .values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(state=N.State.SENDING, attempts=F("attempts") + 1)
    return ids


def settle(ids, state, error=""):
    now = timezone.now()
    Notification.objects.filter(pk__in=ids).update(
        state=state, last_error=error[:2000], next_attempt_at=None,
        sent_at=now if state == N.State.SENT else None,
    )


def failed(ids, attempts, error):
    """A send failed: try again later, or, past the last delay, give up where staff see it.
    Returns when to try again (None when given up)."""
    delays = settings.NOTIFICATION_RETRY_DELAYS
    if attempts > len(delays):
        logger.error("giving up on notifications %s after %s attempts: %s", ids, attempts, error)
        settle(ids, N.State.FAILED, error)
        return None
    when = timezone.now() + timedelta(seconds=delays[attempts - 1])
    logger.warning("notifications %s failed (attempt %s), again at %s: %s", ids, attempts, when, error)
    Notification.objects.filter(pk__in=ids).update(
        state=N.State.RETRYING, last_error=error[:2000], next_attempt_at=when,
    )
    return when


@task()
def send_reply(notification_id):
    if not claim(Notification.objects.filter(pk=notification_id, kind=N.Kind.REPLY)):
        return  # sent, skipped or being sent already
    notification = Notification.objects.select_related(
        "recipient__notification_settings", "recipient__commenter", "comment__article", "comment__author",
    ).get(pk=notification_id)
    user = notification.recipient
    mail_settings = getattr(user, "notification_settings", None)
    why_not = why_not_mail(user, mail_settings)
    if not why_not and not mail_settings.reply_mails:
        why_not = "Reply mails were turned off."
    if not why_not and not shown_to_everyone(Comment.objects.filter(pk=notification.comment_id)).exists():
        why_not = "The comment is no longer shown."
    if why_not:
        settle([notification_id], N.State.SKIPPED, why_not)
        return
    try:
        mail.reply(notification).send()
    except Exception as error:  # SMTP refusing, timing out, a bad address: all retried
        when = failed([notification_id], notification.attempts, f"{type(error).__name__}: {error}")
        if when:
            later(send_reply, when, notification_id)
        return
    settle([notification_id], N.State.SENT)


@task()
def send_digest(user_id):
    NotificationSettings.objects.filter(user_id=user_id).update(digest_due_at=None)
    due = Notification.objects.filter(recipient_id=user_id, kind=N.Kind.DIGEST).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )
    ids = claim(due)
    if not ids:
        return
    user = User.objects.select_related("notification_settings", "commenter").get(pk=user_id)
    why_not = why_not_mail(user, getattr(user, "notification_settings", None))
    if why_not:
        settle(ids, N.State.SKIPPED, why_not)
        return
    notifications = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("comment__article", "comment__author", "comment__parent")
        .order_by("comment__article_id", "comment__tree_id", "comment__lft")
    )
    followed = set(Follow.objects.filter(user_id=user_id).values_list("article_id", flat=True))
    shown = set(shown_to_everyone(Comment.objects.filter(pk__in=[n.comment_id for n in notifications]))
                .values_list("pk", flat=True))
    replies_wanted = user.notification_settings.reply_mails
    for notification in notifications:
        parent = notification.comment.parent
        notification.is_reply = parent is not None and parent.author_id == user_id
    dropped = [
        n.pk for n in notifications
        if n.comment_id not in shown
        or not (n.comment.article_id in followed or (n.is_reply and replies_wanted))
    ]
    settle(dropped, N.State.SKIPPED, "No longer shown, or no longer followed or wanted.")
    notifications = [n for n in notifications if n.pk not in set(dropped)]
    if not notifications:
        return
    sending = [n.pk for n in notifications]
    try:
        mail.digest(user, notifications).send()
    except Exception as error:
        attempts = max(n.attempts for n in notifications)
        when = failed(sending, attempts, f"{type(error).__name__}: {error}")
        if when:
            schedule_digest(user_id, due=when)
        return
    settle(sending, N.State.SENT)


@task()
def send_confirmation(user_id, email, attempt=1):
    """The confirmation link for this address, if it is still the account's; retried as
    notifications are (the task queue's own record keeps the last failure)."""
    user = User.objects.filter(pk=user_id, email=email).first()
    if user is None:
        return
    try:
        mail.confirmation(user, email).send()
    except Exception:
        delays = settings.NOTIFICATION_RETRY_DELAYS
        if attempt > len(delays):
            raise  # failed for good: the task's result records the error
        logger.warning("confirmation mail to account %s failed (attempt %s)", user_id, attempt, exc_info=True)
        when = timezone.now() + timedelta(seconds=delays[attempt - 1])
        later(send_confirmation, when, user_id, email, attempt + 1)
