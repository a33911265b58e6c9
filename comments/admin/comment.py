"""The moderators' desk: queues, filters, bulk decisions, one discussion as a tree.

Nobody edits a comment here: every field is read-only, and the only changes are the decisions
in comments/moderation.py (approve, remove with a reason, spam, restore, lock), each written to
the moderation log. The admin's bulk delete is off (a queryset delete bypasses django-mptt).

A page of the changelist costs the same few queries whatever the table's size: counts stop
at a limit, authors and articles joined, flag reasons read for the whole page in one grouped
query, every default order and filter read from an index (see Comment.Meta), the search box
routed to one indexed lookup by the shape of the term (search.py). One discussion is shown
as a tree paged by whole threads (paging.py), each row indented by a class up to a cap, with
its real depth and its status beside the text.
"""

from collections import Counter, defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

from comments import moderation
from comments.admin import filters, history, paging, search
from comments.admin.decisions import Decisions
from comments.admin.readonly import ReadOnly
from comments.models import PRIORITY, Comment, Commenter, CommentRevision, Flag, ModerationLog

TREE_PARAMS = ("article", "thread")  # with one of these, the list is one discussion, as a tree
# Deeper replies are indented like this level, with their real depth written beside them.
# The indent is a class (static/css/desk.css), never a style attribute, which the
# Content-Security-Policy refuses.
INDENT_CAP = 12


def is_tree_view(request):
    return any(request.GET.get(name) for name in TREE_PARAMS)


def discussion_roots(request):
    """The top-level comments of the discussion a tree view shows: an article's (through
    comment_roots_by_time), one thread's, or both asked at once."""
    roots = Comment.objects.filter(parent=None)
    article, thread = (filters.clean_id(request.GET.get(name)) for name in TREE_PARAMS)
    if article:
        roots = roots.filter(article_id=article)
    if thread:
        roots = roots.filter(tree_id=thread)
    return roots


def url_pattern(name):
    """A function of a comment's id giving reverse(name, args=[id]), reversing only once:
    reversing (and resolving) a URL for every row of a page was a fifth of its time."""
    marker = "987654321"
    before, after = reverse(name, args=[marker]).split(marker)
    return lambda pk: f"{before}{pk}{after}"


def excerpt_of(text, length):
    """The start of a text, cut at `length` characters with an ellipsis (Truncator's
    output for plain text, at a fraction of its cost per row)."""
    return text if len(text) <= length else text[:length - 1] + "…"


def shows_whole_discussion(request):
    """Whether a tree view lists every comment of its discussion: an article or a thread
    named by a valid id, and no filter or search besides (a page number, or an ignored sort)."""
    named = [request.GET[name] for name in TREE_PARAMS if name in request.GET]
    return (set(request.GET) <= {*TREE_PARAMS, "p", "o"}
            and all(filters.clean_id(value) for value in named))


class CommentChangeList(ChangeList):
    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Each row's link carries the list's filters, as Django's does, but written here once
        # for the page: Django resolves every row's URL again to decide that.
        self.change_url = url_pattern("admin:comments_comment_change")
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def get_queryset(self, request, exclude_parameters=None):
        # A row shows an excerpt of the comment and its article's headline: the comment's
        # rendered HTML and the article's text, read for every row, stay in the database.
        return super().get_queryset(request, exclude_parameters).defer(
            "body_html", "article__body", "article__body_html", "article__standfirst")

    def url_for_result(self, result):
        url = self.change_url(result.pk)
        return f"{url}?{self.row_filters}" if self.row_filters else url

    def get_results(self, request):
        if is_tree_view(request):  # one page when everything fits on one, as ThreadPages cuts
            self.list_per_page = paging.TREE_PAGE_ROWS
        super().get_results(request)
        self.searched = getattr(request, "comment_search", None)  # what the term was taken for
        flagged = [comment.pk for comment in self.result_list if comment.flag_count]
        reasons = defaultdict(Counter)
        if flagged:
            rows = (
                Flag.objects.filter(comment_id__in=flagged)
                .values_list("comment_id", "reason").annotate(n=Count("id")).order_by()
            )
            for comment_id, reason, count in rows:
                reasons[comment_id][reason] = count
        in_context = url_pattern("comments:in_context")
        for comment in self.result_list:
            comment.flag_reasons = reasons[comment.pk]
            comment.in_context_url = in_context(comment.pk)
        if isinstance(self.paginator, paging.ThreadPages):
            for comment in self.result_list:
                comment.tree_row = True


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LogInline(ReadOnlyInline):
    model = ModerationLog
    fk_name = "comment"
    verbose_name_plural = "moderation log"
    fields = readonly_fields = ("created_at", "who", "action", "reason", "note", "status_before", "status_after")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator")

    @admin.display(description="by")
    def who(self, entry):
        return entry.moderator or "the site's rules"


class FlagInline(ReadOnlyInline):
    model = Flag
    verbose_name_plural = "readers' flags"
    fields = readonly_fields = ("created_at", "user", "reason", "note")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class RevisionInline(ReadOnlyInline):
    model = CommentRevision
    verbose_name_plural = "earlier versions (before the author's edits)"
    # Whether readers see each in the comment's history (comments/views.history): only text
    # they saw, until a moderator removes it there.
    fields = readonly_fields = ("written_at", "replaced_at", "body", "was_shown", "removed_at")


@admin.register(Comment)
class CommentAdmin(ReadOnly, Decisions, admin.ModelAdmin):
    change_list_template = "admin/comments/comment/change_list.html"
    change_form_template = "admin/comments/comment/change_form.html"
    list_display = ("excerpt", "author_cell", "article_cell", "created_at", "scores_cell",
                    "flags_cell", "status", "links")
    list_display_links = ("excerpt",)
    list_filter = (
        filters.QueueFilter, "status", filters.ArticleFilter, filters.ThreadFilter,
        ("article__section", admin.RelatedFieldListFilter), ("created_at", admin.DateFieldListFilter),
        filters.HasFlagsFilter, filters.AuthorFilter, filters.GuestFilter,
        filters.GuestEmailFilter, filters.GuestAddressFilter,
    )
    list_select_related = ("author", "article")
    search_fields = ("body",)  # what get_search_results routes the term to: see search.py
    search_help_text = search.HELP_TEXT
    show_full_result_count = False
    # The admin's own "-", as a plain string: its translated default is looked up again for
    # every cell of every row.
    empty_value_display = "-"
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["approve", "remove", "mark_spam", "restore", "lock_replies", "unlock_replies"]
    inlines = [LogInline, FlagInline, RevisionInline]
    fieldsets = (
        (None, {"fields": ("written", "status", "article_link", "parent_link", "thread_link")}),
        ("Author", {"fields": ("author_link", "guest_name", "guest_email", "ip_address")}),
        ("Moderation", {"fields": ("flag_count", "reviewed_at", "replies_locked",
                                   "created_at", "edited_at", "recommend_count")}),
        ("Editors' pick", {"fields": ("picked_at", "picked_by", "pick_reason")}),
    )
    readonly_fields = ("written", "status", "article_link", "parent_link", "thread_link",
                       "author_link", "guest_name", "guest_email", "ip_address", "flag_count",
                       "reviewed_at", "replies_locked", "created_at", "edited_at", "recommend_count",
                       "picked_at", "picked_by", "pick_reason")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_changelist(self, request, **kwargs):
        return CommentChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if is_tree_view(request):
            return paging.ThreadPages(queryset, roots=discussion_roots(request),
                                      whole=shows_whole_discussion(request))
        searched = getattr(request, "comment_search", None)
        if searched and searched.kind == "text":
            return paging.CountedPaginator(queryset, per_page, limit=search.TEXT_COUNT_LIMIT + 1,
                                           counted=searched.counted, known=searched.count)
        return paging.CountedPaginator(queryset, per_page)

    def get_list_display(self, request):
        if is_tree_view(request):  # the status is written beside each comment's text
            return tuple(column for column in self.list_display if column != "status")
        return self.list_display

    def get_search_results(self, request, queryset, search_term):
        queryset, request.comment_search = search.search(queryset, search_term)
        return queryset, False

    def get_ordering(self, request):
        # The queues put first what most needs a moderator's eye: pending comments by the
        # machine's scores, flagged ones by readers' flags and then scores. Each order is an
        # index's (Comment.Meta), so a page never sorts the whole queue.
        if is_tree_view(request):
            return ("tree_id", "lft")
        if request.GET.get("queue") == "flagged":
            return ("-flag_count", PRIORITY.desc(), "-created_at")
        if request.GET.get("queue") == "pending":
            return (PRIORITY.desc(), "-created_at")
        return ("-created_at",)

    def get_sortable_by(self, request):
        # A tree is read in tree order: sorting by a column would tear replies from parents.
        return () if is_tree_view(request) else super().get_sortable_by(request)

    @property
    def media(self):
        article = Comment._meta.get_field("article")
        return (super().media + admin.widgets.AutocompleteSelect(article, self.admin_site).media
                + forms.Media(css={"all": ["css/desk.css"]}, js=["js/desk.js"]))

    def changelist_view(self, request, extra_context=None):
        base = reverse("admin:comments_comment_changelist")
        queues = [("", "All", Comment.objects.none())] + [
            (key, label, queue(Comment.objects.all())) for key, (label, queue) in moderation.QUEUES.items()
        ]
        current = request.GET.get("queue", "") if set(request.GET) <= {"queue", "p", "o", "e"} else None
        extra_context = {
            **(extra_context or {}),
            "tree_view": is_tree_view(request),
            "history": history.for_request(request.GET),
            "queues": [
                {"label": label, "url": f"{base}?queue={key}" if key else base, "current": key == current,
                 "count": queryset.count() if key in ("pending", "flagged") else None}
                for key, label, queryset in queues
            ],
        }
        return super().changelist_view(request, extra_context)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(filters.clean_id(pk) for pk in selected):
            self.message_user(request, "Some of the selected comments do not exist.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    # The columns ---------------------------------------------------------------------------

    def action_checkbox(self, comment):
        # The same box as Django's, written directly: rendering a form widget's template for
        # each of a page's rows took a fifth of the page's time.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this comment for an action">',
            admin.helpers.ACTION_CHECKBOX_NAME, comment.pk,
        )

    @admin.display(description="comment")
    def excerpt(self, comment):
        text = excerpt_of(comment.body, 140) or "(empty)"
        if not getattr(comment, "tree_row", False):
            return text
        return format_html(
            '<div class="tree-row indent-{}{}">{}<span class="comment-status status-{}">{}</span> {}</div>',
            min(comment.level, INDENT_CAP), " above-page" if getattr(comment, "above_page", False) else "",
            format_html('<span class="tree-depth" title="Reply depth">↳{}</span> ', comment.level)
            if comment.level else "",
            comment.status, comment.get_status_display(), text,
        )

    @admin.display(description="author", ordering="author__username")
    def author_cell(self, comment):
        if comment.author_id:
            return format_html('<a href="?{}" title="This person’s history: all their comments, decisions and flags"><bdi>{}</bdi></a>',
                               urlencode({"author": comment.author.username}), comment.author.public_name)
        query = history.guest_query(comment)
        if query:
            return format_html('<a href="?{}" title="This guest’s history: all their comments and decisions"><bdi>{}</bdi></a> <small>(guest)</small>',
                               query, comment.guest_name or "Guest")
        return format_html("<bdi>{}</bdi> <small>(guest)</small>", comment.guest_name or "Guest")

    @admin.display(description="article")
    def article_cell(self, comment):
        return format_html('<a href="?article={}" title="This article’s discussion, as a tree">{}</a>',
                           comment.article_id, excerpt_of(comment.article.headline, 40))

    @admin.display(description="machine’s scores")
    def scores_cell(self, comment):
        """The spam and abuse scores (0 to 100) and what made them, for moderators only."""
        if comment.spam_score is None and comment.abuse_score is None:
            return "–"
        scores = format_html_join(" ", '<span class="comment-scores">{} {}</span>', (
            (name, round(value * 100)) for name, value in
            [("spam", comment.spam_score), ("abuse", comment.abuse_score)] if value is not None))
        return format_html("{} <small>{}</small>", scores, comment.score_reason)

    @admin.display(description="flags", ordering="flag_count")
    def flags_cell(self, comment):
        if not comment.flag_count:
            return "–"
        labels = dict(Flag.Reason.choices)
        reasons = getattr(comment, "flag_reasons", None) or {}
        text = ", ".join(
            f"{labels.get(reason, reason)}{f' ×{n}' if n > 1 else ''}" for reason, n in reasons.most_common()
        )
        return format_html("<strong>{}</strong> {}", comment.flag_count, text)

    @admin.display(description="links")
    def links(self, comment):
        return format_html(
            '<a href="{}" title="Where it is read on the site">site</a> · '
            '<a href="?thread={}" title="Its whole thread, as a tree">thread</a>',
            comment.in_context_url, comment.tree_id,
        )

    # The change page -----------------------------------------------------------------------

    @admin.display(description="what they wrote")
    def written(self, comment):
        return format_html('<div class="comment-written">{}</div>', comment.body)

    @admin.display(description="article")
    def article_link(self, comment):
        return format_html('<a href="{}">{}</a> (<a href="{}?article={}">its discussion here</a>)',
                           comment.article.get_absolute_url(), comment.article.headline,
                           reverse("admin:comments_comment_changelist"), comment.article_id)

    @admin.display(description="in reply to")
    def parent_link(self, comment):
        if not comment.parent_id:
            return "(a top-level comment)"
        return format_html('<a href="{}">{}</a>', reverse("admin:comments_comment_change", args=[comment.parent_id]),
                           Truncator(comment.parent.body).chars(100))

    @admin.display(description="thread")
    def thread_link(self, comment):
        return format_html('<a href="{}?thread={}">The whole thread, as a tree</a> · <a href="{}">on the site</a>',
                           reverse("admin:comments_comment_changelist"), comment.tree_id,
                           reverse("comments:in_context", args=[comment.pk]))

    @admin.display(description="author")
    def author_link(self, comment):
        if not comment.author_id:
            query = history.guest_query(comment)
            if not query:
                return "A guest (or a deleted account)"
            return format_html('A guest, <bdi>{}</bdi> · <a href="{}?{}">their history and all their comments</a>',
                               comment.guest_name or "Guest", reverse("admin:comments_comment_changelist"), query)
        author = comment.author
        person = Commenter.objects.filter(user=author).first()
        url, standing = history.controls_url(author, person), history.standing(person)
        return format_html(
            '<bdi>{}</bdi> ({}{}) · <a href="{}?{}">their history and all their comments</a> · controls: <a href="{}">{}</a>',
            author.public_name, author.username, f", {author.email}" if author.email else "",
            reverse("admin:comments_comment_changelist"), urlencode({"author": author.username}), url, standing,
        )

    def view_on_site(self, comment):
        return reverse("comments:in_context", args=[comment.pk])
