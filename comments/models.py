from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from comments import tree
from comments.managers import CommentManager


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

    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE, related_name="comments")
    parent = TreeForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Deleting an account keeps the conversation: the comments stay, shown without a name.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="comments",
    )
    guest_name = models.CharField(max_length=60, blank=True)
    guest_email = models.EmailField(blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    recommend_count = models.PositiveIntegerField(default=0)

    objects = CommentManager()

    class MPTTMeta:
        # No order_insertion_by: replies are appended in the order they come, and roots are
        # never renumbered (sorting roots that way shifts the tree_id of every later thread).
        pass

    class Meta:
        indexes = [
            models.Index(fields=["article", "parent", "created_at"], name="comment_roots_by_time"),
            models.Index(fields=["tree_id", "lft"], name="comment_tree_order"),
            models.Index(fields=["status", "created_at"], name="comment_status_time"),
        ]

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

    @property
    def is_visible(self):
        return self.status == self.Status.PUBLISHED

    def can_edit(self, user):
        window = timezone.timedelta(minutes=settings.COMMENTS_EDIT_WINDOW_MINUTES)
        return (
            self.is_author(user)
            and self.status in (self.Status.PUBLISHED, self.Status.PENDING)
            and timezone.now() - self.created_at <= window
        )

    def is_author(self, user):
        return user.is_authenticated and self.author_id == user.pk


class CommentRevision(models.Model):
    """The text a comment had before each edit, for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

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
