from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from comments import moderation
from comments.models import Comment

from newsroom.accounts import NameAndEmailRules
from newsroom.images import LimitedImageField
from newsroom.models import Article, Author, Section, Tag, User


# Images over IMAGES_MAX_PIXELS are refused, from their header, before anything decodes them.
LIMITED_IMAGES = {models.ImageField: {"form_class": LimitedImageField}}


class UserAddForm(NameAndEmailRules, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class UserEditForm(NameAndEmailRules, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def account_is_staff(self):
        # Staff may carry reserved words ("The Moderator"): judged by the box as ticked now.
        return bool(self["is_staff"].value()) if "is_staff" in self.fields else self.instance.is_staff


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = BaseUserAdmin.fieldsets + (("Public profile", {"fields": ("display_name",)}),)
    list_display = ("username", "display_name", "email", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "email")

    def changeform_view(self, request, *args, **kwargs):
        # The form checks that the username and address are free; another save can take
        # them in the moment before this one writes. The database refuses it (and this
        # request's transaction is rolled back): say so rather than answer 500.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            messages.error(request, "Nothing was saved: another account took this username or "
                           "email address a moment ago. Check the details and save again.")
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_IMAGES
    list_display = ("name", "slug", "user")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class StateFilter(admin.SimpleListFilter):
    """Draft, scheduled or published: "scheduled" depends on the clock, not on a stored value."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "published":
            return queryset.published()
        return queryset


# Each article's pending comments, counted by the database inside the list's one query (from
# the partial index comment_pending_article), not by a query per row.
PENDING_COUNT = Coalesce(Subquery(
    Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.PENDING).order_by()
    .values("article").annotate(n=Count("pk")).values("n")
), 0)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_IMAGES
    list_display = ("headline", "section", "state", "published_at", "comments", "pending",
                    "discussion")
    list_filter = (StateFilter, "section", "authors", "published_at")
    list_select_related = ("section",)
    search_fields = ("headline", "standfirst", "body")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("authors", "tags")
    fieldsets = (
        (None, {"fields": ("headline", "slug", "standfirst", "body")}),
        ("Lead image", {"fields": ("lead_image", "lead_image_alt", "lead_image_caption",
                                    "lead_image_credit")}),
        ("Placement", {"fields": ("section", "authors", "tags")}),
        ("Publication", {"fields": ("status", "published_at")}),
        ("Discussion", {"fields": ("premoderate_comments", "comments_closed",
                                   "comments_close_after_days", "backlog")}),
    )
    readonly_fields = ("backlog",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(pending_count=PENDING_COUNT)

    def save_model(self, request, obj, form, change):
        # An editor's pre-moderating or closing the discussion goes to the moderation log.
        with transaction.atomic():
            before = Article.objects.filter(pk=obj.pk).first() if change else None
            super().save_model(request, obj, form, change)
            moderation.discussion_changed_by_editor(before, obj, request.user)

    @admin.display(description="state")
    def state(self, article):
        return article.state.capitalize()

    @admin.display(description="comments", ordering="comment_count")
    def comments(self, article):
        """The public count, linked to the discussion in the moderators' desk."""
        return format_html('<a href="{}?{}">{}</a>', reverse("admin:comments_comment_changelist"),
                           urlencode({"article": article.pk}), article.comment_count)

    @admin.display(description="pending", ordering="pending_count")
    def pending(self, article):
        if not article.pending_count:
            return "0"
        return format_html('<a href="{}?{}"><strong>{}</strong></a>', reverse("admin:comments_comment_changelist"),
                           urlencode({"article": article.pk, "status__exact": "pending"}), article.pending_count)

    @admin.display(description="discussion")
    def discussion(self, article):
        """Open, or why it is not: the editor's choices and the backlog's switches."""
        return ", ".join(self.discussion_state(article)) or "Open"

    @staticmethod
    def discussion_state(article):
        return [words for on, words in [
            (article.comments_closed, "Closed"),
            (article.backlog_closed, "Closed for the backlog"),
            (bool(article.comments_close_at and article.comments_close_at <= timezone.now()),
             "Closed after its days"),
            (article.premoderate_comments, "Pre-moderated"),
            (article.backlog_premoderated, "Pre-moderated for the backlog"),
        ] if on]

    @admin.display(description="set by the site")
    def backlog(self, article):
        if not (article.backlog_premoderated or article.backlog_closed):
            return ("Nothing now. While too many comments wait for moderators, the site "
                    "pre-moderates (or closes) the discussion by itself, and undoes it when "
                    "they have caught up: see the moderation log.")
        return format_html('{} since the backlog grew (<a href="{}?{}">the moderation log</a>).',
                           " and ".join(w for on, w in [(article.backlog_premoderated, "Pre-moderated"),
                                                        (article.backlog_closed, "closed")] if on),
                           reverse("admin:comments_moderationlog_changelist"),
                           urlencode({"about": "article"}))
