from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from newsroom import images
from newsroom.text import render_markdown

UPDATE_GRACE = timedelta(minutes=5)
# Kept in the database by comments/versions.py with each public change of the discussion; an
# article saved from a copy read earlier must not write its stale values back.
DISCUSSION_FIELDS = {
    "comment_count", "comment_count_changed_at", "discussion_version", "discussion_changed_at",
    "backlog_premoderated", "backlog_closed",
    "pick_count",
}


class User(AbstractUser):
    display_name = models.CharField(
        max_length=60, blank=True, help_text="The name shown beside what this person writes."
    )
    # When the person last opened "Replies to you": replies shown since are unread
    # (comments/replies.py). On the account's own row, which every signed-in request reads
    # anyway, so the count in the header costs one query and no join.
    replies_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Alice" and "alice" are one person to readers; the database keeps it so even
            # when two sign-ups race past the form's check.
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
            # Password resets go to the address: two accounts sharing one would both be
            # reset from one mailbox. Accounts made without an address (createsuperuser,
            # scripts) may share the empty one.
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="email_unique_ignoring_case",
                violation_error_message="Another account already uses this email address.",
            ),
        ]

    @property
    def public_name(self):
        return self.display_name or self.username


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections are listed in this order (lowest first)."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("section", args=[self.slug])


class Author(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="authors/", blank=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="author_profile"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("author", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tag", args=[self.slug])


class LeadImageFile(ImageFieldFile):
    def save(self, name, content, save=True):
        # Every new file passes here (uploads too, from the field's pre_save), perhaps under
        # the name an earlier file had: its smaller copies are named by what it holds.
        self.instance.lead_image_digest = images.digest(content)
        super().save(name, content, save)


class LeadImageField(models.ImageField):
    attr_class = LeadImageFile


def comments_close_at(published_at, close_after_days):
    days = settings.COMMENTS_CLOSE_AFTER_DAYS if close_after_days is None else close_after_days
    if not days or not published_at:
        return None
    return published_at + timedelta(days=days)


def accepts_comments(status, published_at, comments_closed, close_after_days):
    """Whether an article's discussion takes new comments: the rule behind
    Article.accepts_comments, from the columns alone, for the page validators
    (newsroom/pagecache.py), which read them without building an Article."""
    if comments_closed or status != Article.Status.PUBLISHED or not published_at:
        return False
    now = timezone.now()
    close_at = comments_close_at(published_at, close_after_days)
    return published_at <= now and (close_at is None or now < close_at)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """The one rule for what the public may see: every view, feed, sitemap and search uses
        it (now: the moment to judge at, when it must be a parameter of a prepared query)."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def for_listing(self):
        """What a list of articles shows: headline, standfirst, section, date, count."""
        return self.select_related("section")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        # A published article whose publication time is still ahead is "scheduled".
        PUBLISHED = "published", "Published"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(blank=True, help_text="One or two sentences under the headline.")
    body = models.TextField(help_text="Markdown, or plain paragraphs separated by a blank line.")
    body_html = models.TextField(editable=False, default="")
    lead_image = LeadImageField(
        upload_to="lead/%Y/%m/", blank=True,
        width_field="lead_image_width", height_field="lead_image_height",
    )
    # SHA-256 (first 32 hex digits) of the image's content: its smaller copies are named by it.
    lead_image_digest = models.CharField(max_length=64, blank=True, editable=False)
    lead_image_width = models.PositiveIntegerField(null=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, editable=False)
    lead_image_alt = models.CharField(
        "lead image alt text", max_length=200, blank=True,
        help_text="What the image shows, for people who cannot see it.",
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=120, blank=True)
    authors = models.ManyToManyField(Author, related_name="articles", blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="When the article goes public. A time in the future schedules it.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # The discussion. comment_count is what the public sees everywhere; discussion_version
    # moves with every change the public can see in the discussion (a post, an edit, a
    # status, a recommendation, a lock), so pages and caches can be validated against it.
    # comments/versions.py moves them, in the same transaction as the change.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    comment_count_changed_at = models.DateTimeField(null=True, editable=False)
    discussion_version = models.PositiveBigIntegerField(default=0, editable=False)
    discussion_changed_at = models.DateTimeField(null=True, editable=False)
    # How many of its comments the editors picked (shown or not): the page reads the picks
    # only when there are some.
    pick_count = models.PositiveIntegerField(default=0, editable=False)
    # Whether its staff or the article's own authors have a comment readers can see here: the
    # discussion offers "Replies from the newsroom" only then. Asking the comments on every
    # page cost a scan of the discussion (2 ms at 1,000 comments); comments/versions.py keeps it.
    has_newsroom_replies = models.BooleanField(default=False, editable=False)
    comments_closed = models.BooleanField(
        default=False, help_text="Closed discussions stay readable but take no new comments."
    )
    comments_close_after_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Close comments this many days after publication (0: never). "
        "Empty: the site's default.",
    )
    premoderate_comments = models.BooleanField(
        default=False, help_text="Every new comment waits for a moderator before it is shown."
    )
    # Set and cleared by the site itself while the discussion's (or the site's) backlog of
    # pending comments is past its limits (comments/capacity.py), apart from the editor's
    # choices above so that the backlog clearing never undoes an editor's decision.
    backlog_premoderated = models.BooleanField(
        "pre-moderated for the backlog", default=False, editable=False,
        help_text="Set by the site while too many comments wait for moderators.",
    )
    backlog_closed = models.BooleanField(
        "closed for the backlog", default=False, editable=False,
        help_text="Set by the site while far too many comments wait for moderators.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # The newest count change: what lists and feeds are validated against.
            models.Index(fields=["-comment_count_changed_at"], name="article_count_changed"),
            # The few discussions the backlog switched, re-checked after every decision.
            models.Index(fields=["id"], name="article_backlog_switched",
                         condition=models.Q(backlog_premoderated=True) | models.Q(backlog_closed=True)),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.body_html = render_markdown(self.body)
        if self.lead_image and self.lead_image_width is None:
            # FieldFile.save() saves the article before it fills the image's dimensions; read
            # them now, or every later load of the article would open the image to learn them.
            self._meta.get_field("lead_image").update_dimension_fields(self, force=True)
        if not self.lead_image:
            self.lead_image_digest = ""
        elif not self.lead_image._committed or not self.lead_image_digest:
            # A new upload (stored by super().save()), or an image stored before digests.
            self.lead_image_digest = images.digest(self.lead_image)
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in DISCUSSION_FIELDS
            ]
        super().save(*args, **kwargs)
        if self.lead_image:
            images.make_renditions(self.lead_image, self.lead_image_width, self.lead_image_height,
                                   self.lead_image_digest)

    @property
    def lead_image_srcset(self):
        return images.srcset(self.lead_image, self.lead_image_width, self.lead_image_digest)

    @property
    def state(self):
        if self.status == self.Status.DRAFT:
            return "draft"
        return "scheduled" if self.published_at > timezone.now() else "published"

    @property
    def is_public(self):
        return self.state == "published"

    @property
    def was_updated(self):
        """Worth telling readers: changed more than a few minutes after it went out."""
        return bool(self.published_at) and self.updated_at - self.published_at > UPDATE_GRACE

    @property
    def comments_close_at(self):
        return comments_close_at(self.published_at, self.comments_close_after_days)

    @property
    def accepts_comments(self):
        # Closed by its editor, or by the site while its backlog is past the harder limit.
        return accepts_comments(self.status, self.published_at, self.comments_closed or self.backlog_closed,
                                self.comments_close_after_days)

    @property
    def premoderated(self):
        """New comments wait for a moderator: the editor's choice, or the backlog's."""
        return self.premoderate_comments or self.backlog_premoderated

    @cached_property
    def author_list(self):
        return list(self.authors.all())

    @cached_property
    def tag_list(self):
        return list(self.tags.all())

    def get_absolute_url(self):
        if not self.is_public:
            return reverse("article_preview", args=[self.pk])
        date = timezone.localtime(self.published_at)
        return reverse(
            "article",
            kwargs={"year": date.year, "month": date.month, "day": date.day, "slug": self.slug},
        )


class SiteVersion(models.Model):
    """One row whose number moves whenever an article, section, tag, author or a commenter's
    name changes (newsroom/versions.py, from signals, so no editor's save can forget it).
    Every public page shows some of these (the navigation shows the sections), so every
    page's validator includes this number."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"site version {self.number}"
