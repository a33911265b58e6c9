"""What a reader asked to hear about, and every mail the site decided to send them.

- NotificationSettings: one per account that has chosen anything or signed up since
  addresses are confirmed: which address was confirmed, reply mails on or off, how often
  digests come.
- Follow: a discussion a reader follows (new top-level comments, or every comment), for the
  digest.
- Notification: one comment, one person, at most once (a unique constraint): a reply mail or
  a line in a digest, with its state and attempts, so nothing is sent twice and no failure is
  lost without a trace (staff see them in the admin).
- Shown: the outbox. A comment that has just become public, written in the transaction that
  showed it, until the worker has decided who hears about it; so a queue that refuses the
  task (Redis away) delays the mail until the worker's sweep, never loses it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationSettings(models.Model):
    class Digest(models.TextChoices):
        HOURLY = "hourly", "Every hour"
        DAILY = "daily", "Once a day"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    # The address is confirmed while it is the account's current one: changing the address
    # unconfirms it without anything else to update.
    confirmed_email = models.EmailField(blank=True, editable=False)
    # A new account's comments wait (or are refused, COMMENTS_UNCONFIRMED_EMAIL) until it has
    # confirmed an address once. Accounts from before sign-up asked for it never wait.
    awaiting_first_confirmation = models.BooleanField(default=False, editable=False)
    reply_mails = models.BooleanField(
        "mail me replies to my comments", default=True,
        help_text="Sent only to a confirmed address.",
    )
    digest = models.CharField(
        "digests of discussions I follow", max_length=10, choices=Digest, default=Digest.DAILY,
    )
    # When the next digest is due; set when its first comment comes, cleared when it is sent.
    digest_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"

    @property
    def email_confirmed(self):
        email = self.user.email
        return bool(email) and self.confirmed_email.lower() == email.lower()


class Follow(models.Model):
    class Scope(models.TextChoices):
        TOP_LEVEL = "top-level", "New top-level comments"
        ALL = "all", "Every comment, replies included"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE, related_name="followers")
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.TOP_LEVEL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "article"], name="one_follow_per_article")]
        # The user's column leads the unique index; followers of an article read this one.
        indexes = [models.Index(fields=["article", "scope"], name="follow_article_scope")]

    def __str__(self):
        return f"{self.user} follows {self.article}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", "Reply to their comment"
        DIGEST = "digest", "In a digest"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        RETRYING = "retrying", "Failed, will be tried again"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed for good"
        SKIPPED = "skipped", "Not sent"  # by the time it was due, the reason had gone

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
    )
    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # However often a comment is approved, restored or edited, one mail per person.
            models.UniqueConstraint(fields=["recipient", "comment"], name="one_notification_per_comment"),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="notification_state_time"),
            models.Index(fields=["recipient", "kind", "state"], name="notification_digest"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient}: comment {self.comment_id}"


class Shown(models.Model):
    """A comment that became public and whose notifications are not decided yet (the outbox:
    notifications/queue.py writes it, notifications/tasks.py deletes it once decided)."""

    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "comment shown, notifications not decided yet"
        verbose_name_plural = "comments shown, notifications not decided yet"

    def __str__(self):
        return f"Comment {self.comment_id} shown at {self.created_at:%Y-%m-%d %H:%M}"


class Periodic(models.Model):
    """When a piece of periodic work last started (notifications/periodic.py), so that of
    several workers only one starts what is done once a day (a conditional UPDATE claims it)."""

    name = models.CharField(max_length=50, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "periodic work"
        verbose_name_plural = "periodic work"

    def __str__(self):
        return self.name
