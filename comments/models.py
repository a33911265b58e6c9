from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Lower
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from comments import tree
from comments.managers import CommentManager


def edit_window():
    """How long after it was posted its author may edit a comment."""
    return timedelta(minutes=settings.COMMENTS_EDIT_WINDOW_MINUTES)


# How much a comment needs a moderator's eye, from the machine's scores (comments/triage/):
# the higher of its spam and abuse scores, 0 when it was not scored. The pending and flagged
# queues sort by it (comments/admin/comment.py), each from its own index (Comment.Meta).
PRIORITY = Greatest(Coalesce("spam_score", Value(0.0)), Coalesce("abuse_score", Value(0.0)))


class Comment(MPTTModel):
    """One comment. Each top-level comment roots its own MPTT tree (its own tree_id), so a
    reply rewrites the numbering of its own thread only, never of the whole discussion.

    Structural writes go through comments/tree.py, which serialises them; reads never need it.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        PENDING = "pending", "Pending"
        REMOVED = "removed", "Removed"
        SPAM = "spam", "Spam"
        DELETED = "deleted", "Deleted by its author"
        FLAGGED = "flagged", "Hidden after flags"

    # A reply renumbers about half of its thread's rows (django-mptt shifts lft/rght). No
    # index holds lft or rght, so PostgreSQL can rewrite those rows in place (HOT updates,
    # in the room the table's fillfactor leaves on each page, migration 0009) without a new
    # entry in any index; an index on either would make every renumbered row write one into
    # every index of the table. No index here is redundant either: the article's and the
    # tree's are the first columns of comment_roots_by_time and comment_tree_level, so they
    # have no index of their own.
    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE,
                                related_name="comments", db_index=False)
    tree_id = models.PositiveIntegerField(editable=False)  # as django-mptt's, without db_index
    parent = TreeForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
        db_index=False,  # comment_replies: replies only
    )
    # Deleting an account keeps the conversation: the comments stay, shown without a name.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="comments", db_index=False,  # comment_author_time starts with it
    )
    guest_name = models.CharField(max_length=60, blank=True)
    guest_email = models.EmailField(blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    # When readers could last begin to see it (posted shown, approved, restored): a reply
    # approved an hour after it was written is new to its parent's author from then
    # (comments/replies.py). Empty while it has never been shown.
    shown_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    recommend_count = models.PositiveIntegerField(default=0)
    # Moderation (comments/moderation.py). Readers' flags are counted here so the admin's
    # queues need no join; once a moderator has decided (reviewed_at), flags no longer hide it.
    flag_count = models.PositiveIntegerField(default=0, editable=False)
    reviewed_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When a moderator last decided about this comment; their decision is final.",
    )
    replies_locked = models.BooleanField(
        default=False, editable=False, help_text="A moderator closed replies under this comment."
    )
    # On a thread's root only (level 0, lft 1): moves with every public change anywhere in the
    # thread (comments/versions.py), so a thread's markup can be cached under (root id, it).
    thread_version = models.PositiveIntegerField(default=0, editable=False)
    # The author deleted a comment a moderator had already removed or marked as spam: the
    # status (and the queue it sits in) stays the moderator's; a later restore deletes it.
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When its author withdrew it after a moderator had removed it.",
    )

    # The machine's triage (comments/scoring.py), computed when the comment is written or
    # edited: 0..1, empty when scoring failed (the comment then passed today's rules alone).
    # For moderators only: never shown on public pages.
    spam_score = models.FloatField(null=True, blank=True, editable=False)
    abuse_score = models.FloatField(null=True, blank=True, editable=False)
    score_reason = models.CharField(
        max_length=200, blank=True, editable=False,
        help_text="What made the scores, in words for a moderator (“links to a shop, new account”).",
    )

    # An editors' pick (comments/moderation.py set_picked): when, by whom, and why, in words
    # shown to readers beside the comment ("a first-hand account").
    picked_at = models.DateTimeField(null=True, blank=True, editable=False)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False, db_index=False,
    )
    pick_reason = models.CharField(max_length=200, blank=True, editable=False)

    objects = CommentManager()

    class MPTTMeta:
        # No order_insertion_by: replies are appended in the order they come, and roots are
        # never renumbered (sorting roots that way shifts the tree_id of every later thread).
        pass

    class Meta:
        # The admin's lists read a page in the order of an index (it adds -id to every order
        # so the order is total, hence the id at the end), never by sorting the whole table:
        # All and every date or guest filter by created_at, the status queues and filter by
        # (status, created_at), the flagged queue by its own partial index. Searching by IP
        # address or a guest's email has its index; the text through a table of its words
        # that only PostgreSQL has (migration 0008, comments/admin/search.py). A thread is
        # found by its tree id (its root: level 0; a page's depth: level <= N) and sorted by
        # lft after it is read, a few thousand rows at most: see the note on the columns.
        indexes = [
            models.Index(fields=["article", "parent", "created_at"], name="comment_roots_by_time"),
            # A comment's replies (and the cascade of a delete). Replies only: holding the
            # top-level comments too, in the order they were written, it looked to PostgreSQL
            # the cheaper way to an article's roots, and it read the roots of every article
            # to find one's (the desk's tree view of a big discussion, 30-90 ms); the roots
            # have comment_roots_by_time.
            models.Index(fields=["parent"], name="comment_replies", condition=models.Q(parent__isnull=False)),
            models.Index(fields=["tree_id", "level"], name="comment_tree_level"),
            models.Index(fields=["created_at", "id"], name="comment_time"),
            models.Index(fields=["status", "created_at", "id"], name="comment_status_time_id"),
            # Replies shown since a reader last looked (the header's unread count).
            models.Index(fields=["shown_at"], name="comment_shown_at",
                         condition=models.Q(shown_at__isnull=False)),
            # The "has flags" filter, newest first, and its count: 2% of the comments, which
            # the list otherwise found by reading the whole table.
            models.Index(fields=["created_at", "id"], name="comment_flagged_time",
                         condition=models.Q(flag_count__gt=0)),
            models.Index(models.F("flag_count").desc(), PRIORITY.desc(), models.F("created_at").desc(),
                         models.F("id").desc(), name="comment_flagged_queue",
                         condition=models.Q(flag_count__gt=0, reviewed_at__isnull=True)),
            models.Index(PRIORITY.desc(), models.F("created_at").desc(), models.F("id").desc(),
                         name="comment_pending_queue", condition=models.Q(status="pending")),
            models.Index(fields=["ip_address"], name="comment_ip_address",
                         condition=models.Q(ip_address__isnull=False)),
            models.Index(fields=["author", "created_at", "id"], name="comment_author_time"),
            models.Index(Lower("guest_email"), name="comment_guest_email",
                         condition=~models.Q(guest_email="")),
            # Each article's pending comments (its backlog, comments/capacity.py, and the
            # article list's pending count): only the rows waiting are in it, so it stays small
            # and a reply renumbering published rows never writes to it.
            models.Index(fields=["article", "created_at"], name="comment_pending_article",
                         condition=models.Q(status="pending")),
            # The editors' picks of a discussion, newest first; partial, so the rows a reply
            # renumbers (never picked ones only) add nothing to it.
            models.Index(fields=["article", "-picked_at"], name="comment_picks",
                         condition=models.Q(picked_at__isnull=False)),
        ]
        permissions = [("moderate_comment", "Can moderate comments")]

    def __str__(self):
        return f"Comment {self.pk} by {self.display_name}"

    def save(self, *args, **kwargs):
        if self._state.adding and not tree.holds_lock(self.parent.tree_id if self.parent else None):
            raise RuntimeError("New comments are inserted inside comments.tree.locked().")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("comments:detail", args=[self.pk])

    @property
    def display_name(self):
        if self.author_id:
            return self.author.public_name
        return self.guest_name or "Guest"

    # Who in the newsroom wrote it, as comments.thread.NEWSROOM_COLUMNS annotates it: their
    # author page's slug, and whether they are one of the article's authors. Without the
    # annotation (a comment quoted above a form) only the staff mark shows.
    author_page = None
    by_article_author = False

    @property
    def author_is_staff(self):
        """Whether the comment carries the staff mark (from the account, never the name)."""
        return bool(self.author_id) and self.author.is_staff

    @property
    def is_visible(self):
        return self.status == self.Status.PUBLISHED

    def edit_refusal(self, user):
        """Why this person may not edit the comment now, in words for them; "" if they may."""
        minutes = settings.COMMENTS_EDIT_WINDOW_MINUTES
        if not self.is_author(user):
            return "Only the author can edit a comment."
        if self.status not in (self.Status.PUBLISHED, self.Status.PENDING):
            return {
                self.Status.DELETED: "You deleted this comment, so it can no longer be edited.",
                self.Status.FLAGGED: "This comment is hidden until a moderator has reviewed it; "
                                     "it can't be edited meanwhile.",
            }.get(self.status, "A moderator has removed this comment, so it can no longer be edited.")
        if timezone.now() > self.edit_until:
            return f"Comments can be edited only in their first {minutes} minutes."
        return ""

    @property
    def edit_until(self):
        return self.created_at + edit_window()

    def is_author(self, user):
        return user.is_authenticated and self.author_id == user.pk



# django-mptt gives every tree model that has none an index on (tree_id, lft). This one must
# not have it: lft in any index turns each row a reply renumbers into a new entry in every
# index of the table (see the note on Comment's columns).
Comment._meta.indexes = [index for index in Comment._meta.indexes
                         if tuple(index.fields) != ("tree_id", "lft")]

class CommentRevision(models.Model):
    """The text a comment had before each edit: for moderators, and for readers (the comment's
    history, comments/views.history) when readers saw it and no moderator removed it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    # The text as the comment showed it (rendered when the comment was saved, kept at the edit).
    body_html = models.TextField(blank=True, editable=False)
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)
    # Readers saw this text (the comment was published when it was replaced): text that was
    # waiting for a moderator or hidden after flags never shows in the public history.
    was_shown = models.BooleanField(default=False, editable=False)
    # A moderator took this version out of the public history (moderation.remove_version).
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-replaced_at"]


class Recommendation(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_recommendation_per_person")
        ]


class Flag(models.Model):
    """A reader's report that a comment breaks the rules; one per person and comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        HATE = "hate", "Hate"
        OFF_TOPIC = "off-topic", "Off-topic"
        OTHER = "other", "Other (please say what)"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=10, choices=Reason)
    note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_person")]

    def __str__(self):
        return f"{self.get_reason_display()} flag on comment {self.comment_id}"


class ModerationLog(models.Model):
    """Every change of a comment's fate: who (nobody for the site's own rules and for its author's
    deletion), when, what, why, and the status it really changed from (read under the row lock).
    Also every decision about a discussion (pre-moderated or closed, by an editor or by the
    site when its backlog grows, comments/capacity.py) and about a person (banned, suspended,
    pre-moderated, trusted): those name the article or the person instead of a comment."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REMOVE = "remove", "Removed"
        SPAM = "spam", "Marked as spam"
        RESTORE = "restore", "Restored"
        LOCK = "lock", "Locked replies"
        UNLOCK = "unlock", "Unlocked replies"
        HOLD = "hold", "Held for review"  # automatic, when it was posted or edited
        HIDE = "hide", "Hidden after flags"  # automatic, at the flag threshold
        DELETE = "delete", "Deleted by its author"
        WITHDRAW = "withdraw", "Withdrawn by its author"  # deleted after a moderator's removal
        # About a whole discussion (article) or a person (person).
        PREMODERATE = "premoderate", "Pre-moderation on"
        UNPREMODERATE = "unpremoderate", "Pre-moderation off"
        CLOSE = "close", "Closed to comments"
        REOPEN = "reopen", "Reopened to comments"
        BAN = "ban", "Banned"
        UNBAN = "unban", "Ban lifted"
        SUSPEND = "suspend", "Suspended"
        UNSUSPEND = "unsuspend", "Suspension lifted"
        TRUST = "trust", "Trusted"
        UNTRUST = "untrust", "No longer trusted"
        PICK = "pick", "Picked by the editors"  # the note is the reason readers see
        REDACT = "redact", "Earlier version removed"  # from the history readers see
        UNPICK = "unpick", "No longer picked"

    class Reason(models.TextChoices):
        HATE = "hate", "Hate or dehumanising language"
        VIOLENCE = "violence", "Threats or calls to violence"
        ABUSE = "abuse", "Abuse or harassment"
        SPAM = "spam", "Spam"
        OFF_TOPIC = "off-topic", "Off-topic"
        PRIVACY = "privacy", "Personal information"
        OTHER = "other", "Other (say what in the note)"

    # One of comment, article, person says what the entry is about.
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="moderation_log")
    article = models.ForeignKey("newsroom.Article", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text="A decision about the whole discussion.")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text="A decision about a person (ban, suspension, trust).",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="Empty when the site's own rules or the author acted.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=16, choices=Action)
    reason = models.CharField(max_length=10, choices=Reason, blank=True)
    note = models.TextField(blank=True)
    status_before = models.CharField(max_length=10, choices=Comment.Status, blank=True)
    status_after = models.CharField(max_length=10, choices=Comment.Status, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"

    def __str__(self):
        if self.article_id:
            return f"{self.get_action_display()}: article {self.article_id}"
        if self.person_id:
            return f"{self.get_action_display()}: person {self.person_id}"
        return f"{self.get_action_display()}: comment {self.comment_id}"

    @property
    def why(self):
        reason = self.get_reason_display() if self.reason else ""
        return " — ".join(part for part in (reason, self.note) if part)


class Word(models.Model):
    """A word or phrase on one of the lists that screen new comments (comments/words.py)."""

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned: the comment is refused"
        SUSPECT = "suspect", "Suspect: the comment waits for a moderator"

    text = models.CharField(
        "word or phrase", max_length=100,
        help_text="Matched as whole words, ignoring case: “kill” does not match “skill”.",
    )
    # What is matched: lower case, words separated by single spaces (words.normalise).
    normalised = models.CharField(max_length=100, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "normalised"]

    def __str__(self):
        return self.text

    def clean(self):
        from comments.words import normalise

        self.normalised = normalise(self.text)
        if not self.normalised:
            raise ValidationError({"text": "Write at least one letter or digit."})
        same = Word.objects.filter(normalised=self.normalised).exclude(pk=self.pk).first()
        if same:
            raise ValidationError({"text": f"“{same.text}” is already on the {same.kind} list."})

    def save(self, *args, **kwargs):
        from comments.words import normalise

        self.normalised = normalise(self.text)
        super().save(*args, **kwargs)


class Commenter(models.Model):
    """What moderators decided about one person: ban, suspension, pre-moderation or trust."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
        related_name="commenter",
    )
    banned = models.BooleanField(default=False, help_text="Cannot post comments at all.")
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text="Cannot post comments until then."
    )
    premoderate = models.BooleanField(
        "always pre-moderate", default=False,
        help_text="Every comment from this person waits for a moderator.",
    )
    trusted = models.BooleanField(
        default=False, help_text="Skips pre-moderation (of articles, and of new accounts)."
    )
    note = models.TextField(blank=True, help_text="Why; seen by moderators only.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return str(self.user)

    def clean(self):
        if self.trusted and (self.banned or self.premoderate):
            raise ValidationError("A trusted person cannot also be banned or pre-moderated.")

    @property
    def is_suspended(self):
        return self.suspended_until is not None and self.suspended_until > timezone.now()
