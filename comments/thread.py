"""Reading discussions: a page of threads in a fixed number of queries, whatever their size.

Threads are read flat, in tree order (tree_id, lft), and turned into rows in one pass; the
template loops once over the rows, with no recursion and no per-comment queries. Work that
would otherwise be repeated per comment in the template (names, times, nesting markup) is done
here in plain Python.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

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
# Columns the page never shows: left in the database.
UNREAD_COLUMNS = ("body", "ip_address", "guest_email", "article")


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


def make_row(node, *, depth, now, recommended=frozenset(), max_depth=None):
    when = timezone.localtime(node.created_at)
    return Row(
        comment=node, depth=depth, opens="",
        continue_thread=max_depth is not None and depth >= max_depth and node.rght - node.lft > 1,
        recommended=node.pk in recommended,
        name=node.display_name if node.is_visible else "",
        placeholder="" if node.is_visible else PLACEHOLDERS.get(node.status, HIDDEN_PLACEHOLDER),
        exact_time=format_date(when, "j F Y, H:i"),
        relative_time=relative_time(when, now),
        iso_time=when.isoformat(),
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
    return [
        make_row(node, depth=node.level - top_level, now=now, recommended=recommended,
                 max_depth=max_depth)
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


def comment_nodes():
    return Comment.objects.select_related("author").defer(*UNREAD_COLUMNS)


@dataclass
class Discussion:
    article: object
    sort: str
    page: object
    threads: list

    @property
    def count(self):
        return self.article.comment_count


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
    nodes = list(
        comment_nodes()
        .filter(article=article, tree_id__in=tree_ids, level__lte=settings.COMMENTS_MAX_DEPTH)
        .order_by("tree_id", "lft")
    )
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
    nodes = list(
        comment_nodes()
        .filter(tree_id=comment.tree_id, lft__gte=comment.lft, rght__lte=comment.rght,
                level__lte=comment.level + settings.COMMENTS_MAX_DEPTH)
        .order_by("lft")
    )
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
