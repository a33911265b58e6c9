"""Reading discussions: a page of threads in a fixed number of queries, whatever their size.

Threads are read flat, in tree order (tree_id, lft), and turned into rows in one pass, with
no recursion and no per-comment queries. Work that would otherwise be repeated per comment in
the template (names, times, nesting markup) is done here in plain Python, and so is the
comment markup itself (render_thread, used by comments/_thread.html through the
{% comment_thread %} tag): a template loop costs ~0.1 ms per comment, more than the 40 ms a
1,000-comment page may take (make bench). Comments are read as plain values into Node records,
not model instances, for the same reason (a model instance costs ~20 us to build).
"""

from dataclasses import dataclass, field
from datetime import UTC
from functools import lru_cache
from html import escape as escape_html

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import mark_safe

from comments.models import Comment, Recommendation

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "best": ("-recommend_count", "created_at", "id"),
}
SORT_LABELS = [("oldest", "Oldest"), ("newest", "Newest"), ("best", "Best")]
DEFAULT_SORT = "oldest"
PLACEHOLDERS = {
    Comment.Status.DELETED: "This comment was deleted by its author.",
    Comment.Status.REMOVED: "This comment was removed by a moderator.",
    Comment.Status.FLAGGED: "This comment is hidden until a moderator has reviewed it.",
}
HIDDEN_PLACEHOLDER = "This comment is not shown."
# What the pages read of a comment, into a Node.
NODE_COLUMNS = (
    "id", "parent_id", "author_id", "guest_name", "body_html", "status", "created_at",
    "edited_at", "recommend_count", "flag_count", "replies_locked", "lft", "rght", "tree_id",
    "level", "author__display_name", "author__username",
)
PUBLISHED = Comment.Status.PUBLISHED.value


class Node:
    """A comment as the discussion pages read it: the attributes of Comment they use (pk,
    body_html, edited_at, author_id, recommend_count, flag_count, replies_locked,
    lft/rght/level, display_name, is_visible...), built from one row of values."""

    __slots__ = ("id", "parent_id", "author_id", "guest_name", "body_html", "status",
                 "created_at", "edited_at", "recommend_count", "flag_count", "replies_locked",
                 "lft", "rght", "tree_id", "level", "display_name")

    def __init__(self, id, parent_id, author_id, guest_name, body_html, status, created_at,
                 edited_at, recommend_count, flag_count, replies_locked, lft, rght, tree_id,
                 level, author_display_name, author_username):
        self.id, self.parent_id, self.author_id, self.guest_name = id, parent_id, author_id, guest_name
        self.body_html, self.status, self.created_at, self.edited_at = body_html, status, created_at, edited_at
        self.recommend_count, self.flag_count = recommend_count, flag_count
        self.replies_locked, self.lft, self.rght = replies_locked, lft, rght
        self.tree_id, self.level = tree_id, level
        # Comment.display_name, without an author instance.
        if author_id:
            self.display_name = author_display_name or author_username
        else:
            self.display_name = guest_name or "Guest"

    @property
    def pk(self):
        return self.id

    @property
    def is_visible(self):
        return self.status == PUBLISHED

    def __repr__(self):
        return f"<Node {self.id} of tree {self.tree_id}>"


@dataclass
class Row:
    comment: Comment
    depth: int  # relative to the first row shown (0 for a top-level comment on the article)
    opens: str  # markup that nests this row under the previous one (safe, built here)
    continue_thread: bool
    recommended: bool
    name: str
    placeholder: str
    exact_time: str
    relative_time: str
    iso_time: str


@dataclass
class Thread:
    rows: list = field(default_factory=list)
    closing: str = ""

    @property
    def root(self):
        return self.rows[0]

    @property
    def reply_count(self):
        return sum(1 for row in self.rows[1:] if not row.placeholder)


def relative_time(then, now):
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("minute", 60), ("hour", 3600), ("day", 86400)):
        count = seconds // size
        if count < {"minute": 60, "hour": 24, "day": 30}[unit]:
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return format_date(timezone.localtime(then), "j M Y")


@lru_cache(maxsize=32)
def month_names(language):
    with translation.override(language):
        return [""] + [str(MONTHS[number]) for number in range(1, 13)]


def exact_time(when, months):
    """format_date(when, "j F Y, H:i"), about 20 times faster."""
    return f"{when.day} {months[when.month]} {when.year}, {when.hour:02d}:{when.minute:02d}"


def machine_time(moment):
    """The <time datetime> value, to the minute in UTC: the shortest valid form."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}Z"


def make_row(node, *, depth, now, recommended=frozenset(), max_depth=None, zone=None, months=None):
    when = node.created_at.astimezone(zone or timezone.get_current_timezone())
    visible = node.is_visible
    return Row(
        comment=node, depth=depth, opens="",
        continue_thread=max_depth is not None and depth >= max_depth and node.rght - node.lft > 1,
        recommended=node.pk in recommended,
        name=node.display_name if visible else "",
        placeholder="" if visible else PLACEHOLDERS.get(node.status, HIDDEN_PLACEHOLDER),
        exact_time=exact_time(when, months or month_names(translation.get_language())),
        # From the stored (UTC) time: subtracting times in one zone skips the offset lookups.
        relative_time=relative_time(node.created_at, now),
        iso_time=machine_time(node.created_at),
    )


def rows_for(nodes, *, top_level, max_depth, recommended=frozenset()):
    """Rows for comments in tree order: hidden comments drop out with their subtree unless
    something under them is shown, in which case they leave a placeholder so replies keep
    their place."""
    nodes = list(nodes)
    # Children come after their parent in tree order: walk backwards to learn, for every
    # comment, whether anything in its subtree is visible.
    shows = {}
    for node in reversed(nodes):
        cut_off = node.level - top_level >= max_depth and node.rght - node.lft > 1
        if node.is_visible or cut_off or shows.get(node.pk):
            shows[node.pk] = True
            shows[node.parent_id] = True
    now = timezone.now()
    zone, months = timezone.get_current_timezone(), month_names(translation.get_language())
    return [
        make_row(node, depth=node.level - top_level, now=now, recommended=recommended,
                 max_depth=max_depth, zone=zone, months=months)
        for node in nodes
        if shows.get(node.pk)
    ]


def context_rows(comments):
    """The comments above one being shown on its own page (placeholders where hidden)."""
    now = timezone.now()
    return [make_row(comment, depth=0, now=now) for comment in comments]


def nest(rows):
    """Give each row the markup that closes and opens lists around it, so one flat loop in
    the template produces properly nested lists (<ol> inside <li>). Returns the markup that
    closes whatever is still open after the last row."""
    previous = None
    for row in rows:
        if previous is None:
            row.opens = ""
        elif row.depth > previous:
            row.opens = '<ol class="replies">' * (row.depth - previous)
        else:
            row.opens = "</li>" + "</ol></li>" * (previous - row.depth)
        previous = row.depth
    if previous is None:
        return ""
    return "</li>" + "</ol></li>" * previous


def read_nodes(**comment_filter):
    """The comments matching the filter, in tree order, as Nodes."""
    rows = Comment.objects.filter(**comment_filter).order_by("tree_id", "lft")
    return [Node(*values) for values in rows.values_list(*NODE_COLUMNS)]


@dataclass
class Discussion:
    article: object
    sort: str
    page: object
    threads: list


def discussion(article, *, sort=DEFAULT_SORT, page_number=1, viewer=None):
    """One page of an article's top-level threads with all their replies (to a depth)."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    roots = (
        Comment.objects.roots()
        .filter(article=article)
        # A hidden top-level comment takes a place only if it has replies that may be shown.
        .exclude(rght=F("lft") + 1, status__in=hidden_statuses())
        .order_by(*SORTS[sort])
        .values_list("tree_id", flat=True)
    )
    page = Paginator(roots, settings.COMMENTS_PER_PAGE).get_page(page_number)
    tree_ids = list(page.object_list)
    nodes = read_nodes(article=article, tree_id__in=tree_ids, level__lte=settings.COMMENTS_MAX_DEPTH)
    recommended = recommended_by(viewer, comment__article=article) if nodes else frozenset()
    by_tree = {tree_id: [] for tree_id in tree_ids}
    for node in nodes:
        by_tree[node.tree_id].append(node)
    threads = []
    for tree_id in tree_ids:
        rows = rows_for(by_tree[tree_id], top_level=0, max_depth=settings.COMMENTS_MAX_DEPTH,
                        recommended=recommended)
        if rows:
            threads.append(Thread(rows=rows, closing=nest(rows)))
    return Discussion(article=article, sort=sort, page=page, threads=threads)


def subtree(comment, *, viewer=None):
    """A comment's own page: the comment and everything under it (to a depth), as one thread."""
    nodes = read_nodes(tree_id=comment.tree_id, lft__gte=comment.lft, rght__lte=comment.rght,
                       level__lte=comment.level + settings.COMMENTS_MAX_DEPTH)
    rows = rows_for(nodes, top_level=comment.level, max_depth=settings.COMMENTS_MAX_DEPTH,
                    recommended=recommended_by(viewer, comment__tree_id=comment.tree_id))
    return Thread(rows=rows, closing=nest(rows)) if rows else None


def recommended_by(viewer, **comment_filter):
    """Ids of the comments (matching the filter) that the viewer has recommended."""
    if viewer is None or not viewer.is_authenticated:
        return frozenset()
    return frozenset(
        Recommendation.objects.filter(user=viewer, **comment_filter).values_list("comment_id", flat=True)
    )


def hidden_statuses():
    return [status for status in Comment.Status if status != Comment.Status.PUBLISHED]


def url_prefix():
    """"/comments/": comment links are built by joining it with the id, because a reverse()
    per link would be the single largest cost of rendering a long thread."""
    return reverse("comments:detail", args=[0]).removesuffix("0/")


def location(comment):
    """Where a comment is read in its discussion: the article page (with the comments
    page that holds its thread, in the default order), at the comment's anchor."""
    if comment.level > settings.COMMENTS_MAX_DEPTH:
        return f"{comment.get_absolute_url()}#comment-{comment.pk}"
    root = comment if comment.parent_id is None else comment.get_root()
    earlier = (
        Comment.objects.roots()
        .filter(article_id=comment.article_id)
        .exclude(rght=F("lft") + 1, status__in=hidden_statuses())
        .filter(Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, id__lt=root.id))
        .count()
    )
    page = earlier // settings.COMMENTS_PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    return f"{comment.article.get_absolute_url()}{query}#comment-{comment.pk}"


def render_thread(thread, *, comment_url, accepts_comments, user=None, moderator=False):
    """The markup of one thread's rows (what comments/_thread.html shows), built in one pass.
    Names and times are escaped here (html.escape: what django.utils.html.escape does,
    without its lazy-string wrapper); bodies were sanitised when they were saved. iso_time
    is digits and separators only."""
    url = escape(comment_url)
    signed_in = user is not None and user.is_authenticated
    viewer_id = user.pk if signed_in else None
    parts = []
    add = parts.append
    for row in thread.rows:
        comment = row.comment
        pk = comment.pk
        link = f"{url}{pk}/"
        add(row.opens)
        if row.placeholder:
            add(f'<li id="comment-{pk}" class="comment comment--gone">'
                f'<p class="comment__placeholder">{escape_html(row.placeholder)}</p>')
        else:
            count = comment.recommend_count
            add(f'<li id="comment-{pk}" class="comment"><article class="comment__box">'
                f'<p class="comment__meta"><b>{escape_html(row.name)}</b> <a href="#comment-{pk}">'
                f'<time datetime="{row.iso_time}" title="{escape_html(row.exact_time)}">'
                f'{escape_html(row.relative_time)}</time></a>'
                f'{" · <span>edited</span>" if comment.edited_at else ""}</p>'
                f'<div class="comment__body">{comment.body_html}</div><p class="comment__actions">')
            if accepts_comments and not comment.replies_locked:
                add(f'<a href="{link}reply/">Reply</a> ')
            add(f'<a href="{link}">Link</a> <a href="{link}flag/">Flag</a>')
            if signed_in:
                if comment.author_id == viewer_id:
                    add(f' <a href="{link}edit/">Edit</a> <a href="{link}delete/">Delete</a>')
                    if count:
                        add(f" <span>{count} ♥</span>")
                elif row.recommended:
                    add(f' <button class="link-button" name="withdraw" value="{pk}" '
                        f'aria-pressed="true">Recommended ♥ {count}</button>')
                else:
                    add(f' <button class="link-button" name="recommend" value="{pk}" '
                        f'aria-pressed="false">Recommend{f" ♥ {count}" if count else ""}</button>')
            elif count:
                add(f" <span>{count} ♥</span>")
            if moderator:
                add(moderation_buttons(comment, f"{url}moderate/"))
            add("</p></article>")
        if row.continue_thread:
            add(f'<a class="comment__more" href="{link}">Continue this thread →</a>')
        add("\n")
    add(thread.closing)
    return mark_safe("".join(parts))


def moderation_buttons(comment, action):
    """Staff controls beside a comment; they post with the one form around the discussion."""
    pk, flags = comment.pk, comment.flag_count
    lock = ("unlock", "Unlock replies") if comment.replies_locked else ("lock", "Lock replies")
    return (
        f' <span class="comment__moderate">'
        f'<button class="link-button" formaction="{action}" name="approve" value="{pk}">Approve</button> '
        f'<button class="link-button" formaction="{action}" name="remove" value="{pk}">Remove</button> '
        f'<button class="link-button" formaction="{action}" name="{lock[0]}" value="{pk}">{lock[1]}</button>'
        f'{f" <span>{flags} flag{pluralize(flags)}</span>" if flags else ""}</span>'
    )
