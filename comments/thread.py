"""Reading discussions: which comments a page shows, in which order, in a fixed number of
queries whatever their size. The markup of what is read here is comments/markup.py's.

Threads are read flat, in tree order (tree_id, lft), with no recursion and no per-comment
queries, as plain values into Node records rather than model instances (an instance costs
~20 us to build, a 1,000-comment page would spend 20 ms on them).

Two rules live here and nowhere else:
- which comments of a thread are shown: published ones, and in place of a hidden one a
  placeholder when something under it is shown (so replies keep their place) - `shown`;
- which threads take a place on a page of the discussion: those with a published comment
  somewhere in them (`Comment.objects.taking_a_place()`), used by the pages and by
  `location`, which works out the page a comment is on.
"""

from dataclasses import dataclass
from datetime import UTC
from operator import itemgetter

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    BooleanField, Case, CharField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf

from comments.models import Comment, Recommendation
from newsroom.models import Article
from newsroom.prepared import INTS, PreparedQuery

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "best": ("-recommend_count", "created_at", "id"),
}
SORT_LABELS = (("oldest", "Oldest"), ("newest", "Newest"), ("best", "Best"))
DEFAULT_SORT = "oldest"
# Who in the newsroom wrote a comment (comments/markup.py's badges): their author page, if
# they have one, and whether they are one of the article's own authors, worked out by the
# database in the query that reads the comments (or annotated on Comments: the same names).
NEWSROOM_COLUMNS = {
    "author_page": F("author__author_profile__slug"),
    "by_article_author": Exists(Article.authors.through.objects.filter(
        article_id=OuterRef("article_id"), author__user_id=OuterRef("author_id"))),
}
# Comments by the newsroom: staff, or one of the article's own authors.
BY_NEWSROOM = Q(author__is_staff=True) | Q(by_article_author=True)
# What the pages show of a comment, into a Node (what moderators see besides is read apart,
# only for them: thread.moderators_facts): whether it was edited, not when; the name it is shown
# under (Comment.display_name), worked out by the database.
NODE_COLUMNS = (
    "id", "parent_id", "author_id", "body_html", "status", "created_at",
    ExpressionWrapper(Q(edited_at__isnull=False), output_field=BooleanField()),
    "recommend_count", "replies_locked", "lft", "rght", "tree_id", "level",
    Coalesce(NullIf("author__display_name", Value("")), "author__username",
             NullIf("guest_name", Value("")), Value("Guest")),
    "author__is_staff", "pick_reason", *NEWSROOM_COLUMNS,
)
PUBLISHED = Comment.Status.PUBLISHED.value
DELETED = Comment.Status.DELETED.value


class Node:
    """A comment as the discussion pages read it: the attributes of Comment they use (pk,
    body_html, created_at, author_id, recommend_count, replies_locked, level,
    display_name, author_is_staff, pick_reason, author_page, by_article_author, is_visible...),
    built from one row of values (NODE_COLUMNS, then, where a page reads to a depth limit,
    `shows_below`: see shows_below); `edited` says whether it was edited. `depth` (below the
    first comment shown) and `cut_off` (its replies continue on its own page) are set by
    `shown`."""

    __slots__ = ("id", "parent_id", "author_id", "body_html", "status", "created_at", "edited",
                 "recommend_count", "replies_locked", "lft", "rght", "tree_id", "level",
                 "display_name", "author_is_staff", "pick_reason", "author_page",
                 "by_article_author", "shows_below", "depth", "cut_off")

    def __init__(self, id, parent_id, author_id, body_html, status, created_at, edited,
                 recommend_count, replies_locked, lft, rght, tree_id, level, display_name,
                 author_is_staff, pick_reason, author_page, by_article_author, shows_below=False):
        self.id, self.parent_id, self.author_id = id, parent_id, author_id
        self.body_html, self.status, self.edited = body_html, status, edited
        # Straight from the driver (read_nodes): SQLite's are naive, in UTC as stored.
        self.created_at = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        self.recommend_count, self.replies_locked = recommend_count, replies_locked
        self.lft, self.rght, self.tree_id, self.level = lft, rght, tree_id, level
        # The two marks as the driver gives them (0/1 on SQLite): only ever read for truth.
        self.display_name, self.author_is_staff = display_name, author_is_staff
        self.pick_reason, self.author_page = pick_reason, author_page
        self.by_article_author, self.shows_below = by_article_author, shows_below
        self.depth, self.cut_off = 0, False

    @property
    def pk(self):
        return self.id

    @property
    def is_visible(self):
        return self.status == PUBLISHED

    def __repr__(self):
        return f"<Node {self.id} of tree {self.tree_id}>"


def shows_below(level, *, everything=False):
    """Whether a comment at `level` (a page's depth limit) has anything under it that its own
    page would show (published; for moderators, `everything`, anything not deleted by its
    author), as a column of the query that reads the page's comments: no query of its own.
    The comments below the limit are not read, and a "Continue this thread" link to a page
    that shows nothing more (a 404 when the comment itself is hidden) would be offered
    whenever the replies down there are all hidden. Worked out only for the comments at the
    limit that have replies, through the (tree_id, level) index."""
    below = Comment.objects.filter(tree_id=OuterRef("tree_id"), level__gt=level,
                                   lft__gt=OuterRef("lft"), rght__lt=OuterRef("rght"))
    below = below.exclude(status=DELETED) if everything else below.filter(status=PUBLISHED)
    return Case(When(level=level, rght__gt=F("lft") + 1, then=Exists(below)),
                default=Value(False), output_field=BooleanField())


def shown(nodes, *, top_level, max_depth, everything=False):
    """The comments of one thread (in tree order) that a page shows, with their depth below
    `top_level` set: hidden comments drop out with their subtree unless something under them
    is shown, in which case they stay, for a placeholder. A comment at `max_depth` with
    something shown under it (`shows_below`, read with it) is cut off there: its replies
    continue on its own page. `everything` (for the moderators' view) keeps every comment
    but those their authors deleted, as above."""
    nodes = list(nodes)
    # Children come after their parent in tree order: walk backwards to learn, for every
    # comment, whether anything in its subtree is shown.
    shows = {}
    for node in reversed(nodes):
        node.depth = node.level - top_level
        node.cut_off = node.depth >= max_depth and node.shows_below
        if node.is_visible or node.cut_off or node.id in shows or (everything and node.status != DELETED):
            shows[node.id] = True
            shows[node.parent_id] = True
    return [node for node in nodes if node.id in shows]


def read_nodes(*conditions, order=("tree_id", "lft"), limit=None, offset=0, below=None, **comment_filter):
    """The comments matching the conditions and filter, in tree order (or `order`, at most
    `limit` after the first `offset`), as Nodes; with `below` (a shows_below column), whether
    something is shown under those at its level. The rows are taken as the database driver gives them: Django's
    converters, called for every value, would cost more than all the rest of the page's work
    per comment (4 of 7 ms for 1,000 comments on SQLite)."""
    columns = NODE_COLUMNS if below is None else (*NODE_COLUMNS, "shows_below")
    rows = (Comment.objects.annotate(**NEWSROOM_COLUMNS, **({} if below is None else {"shows_below": below}))
            .filter(*conditions, **comment_filter)
            .order_by(*order).values_list(*columns)[offset:None if limit is None else offset + limit])
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [Node(*values) for values in cursor.fetchall()]


@dataclass(frozen=True)
class Root:
    """A thread taking a place on the page: its root comment's id, its tree, and its version
    (comments/versions.py moves it with every public change in the thread)."""

    id: int
    tree_id: int
    version: int


@dataclass
class Page:
    """One page of a discussion: its threads' roots, in the order chosen."""

    sort: str
    page: object  # the Paginator's page, for the page links
    roots: list


def threads_of(article, *, everything=False):
    """The roots of the threads that take a place in the discussion: for the public, those
    showing something; for moderators (`everything`), those holding anything to decide."""
    roots = Comment.objects.roots().filter(article_id=article if isinstance(article, int) else article.pk)
    return roots.before_moderators() if everything else roots.taking_a_place()


# One page of threads: (root id, tree id, thread version, threads taking a place in all).
ROOTS = PreparedQuery(
    lambda article, sort, start, per_page, everything: threads_of(article, everything=everything)
    .order_by(*SORTS[sort]).annotate(threads=Window(Count("id")))
    .values_list("id", "tree_id", "thread_version", "threads")[start:start + per_page],
    shape=("sort", "start", "per_page", "everything"), article=int,
)


def page_of_threads(article, *, sort=DEFAULT_SORT, page_number=1, everything=False):
    """The threads on one page of an article's discussion, in one query that also counts all
    the threads taking a place (a window over the rows before the page is cut out of them);
    a page past the end, whose query finds no row to carry the count, costs a second one. An
    article with no published comment has no thread taking a place, and reads nothing
    (except for moderators, `everything`: see threads_of)."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    paginator = Paginator([], settings.COMMENTS_PER_PAGE)
    paginator.count, rows = 0, []
    if article.comment_count or everything:
        number = wanted_page(page_number)
        start = (number - 1) * paginator.per_page
        rows = ROOTS.rows(article=article.pk, sort=sort, start=start, per_page=paginator.per_page,
                          everything=everything)
        paginator.count = rows[0][3] if rows else threads_of(article, everything=everything).count()
        if not rows and paginator.count:  # past the end: the last page, as Paginator.get_page
            return page_of_threads(article, sort=sort, page_number=paginator.num_pages, everything=everything)
    page = paginator.page(wanted_page(page_number) if rows else 1)
    roots = [Root(*values[:3]) for values in rows]
    page.object_list = roots
    return Page(sort=sort, page=page, roots=roots)


def wanted_page(number):
    """The page number asked for, as Paginator.get_page reads it: 1 unless a whole number
    from 1 up."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return 1
    # Past any real page, yet small enough for every database's OFFSET.
    return min(max(1, number), 1_000_000)


# A discussion the newsroom has not written in (Article.has_newsroom_replies, kept with every
# change of what is shown) has no published comment by one of its authors, so its threads are
# read without asking (the author pages' join and a subquery a row: a fifth of the query's
# cost for a page of 100 comments). The staff mark comes with the name, from the same join.
WITHOUT_NEWSROOM = {"author_page": Value(None, output_field=CharField()),
                    "by_article_author": Value(False)}


def threads_query(article, tree_ids, max_depth, everything, newsroom):
    return (Comment.objects
            .annotate(**(NEWSROOM_COLUMNS if newsroom else WITHOUT_NEWSROOM),
                      shows_below=shows_below(max_depth, everything=everything))
            .filter(article_id=article, tree_id__in=tree_ids, level__lte=max_depth)
            .order_by().values_list(*NODE_COLUMNS, "shows_below"))


# Unordered: the rows are put in tree order here (read_threads), since the database would
# sort them with their bodies, about a millisecond more for a page of 1,000 comments.
THREADS = PreparedQuery(threads_query, shape=("max_depth", "everything", "newsroom"), article=int, tree_ids=INTS)
TREE_ORDER = itemgetter(NODE_COLUMNS.index("tree_id"), NODE_COLUMNS.index("lft"))


def read_threads(article, tree_ids, *, everything=False):
    """The shown comments of these threads (one query, as read_nodes reads them), as
    {tree id: [Node, ...]}; `everything` for the moderators' view (see shown)."""
    threads = {tree_id: [] for tree_id in tree_ids}
    if tree_ids:
        rows = THREADS.rows(article=article.pk, tree_ids=tree_ids, max_depth=settings.COMMENTS_MAX_DEPTH,
                            everything=everything, newsroom=everything or article.has_newsroom_replies,
                            converted=False)
        rows.sort(key=TREE_ORDER)
        for values in rows:
            node = Node(*values)
            threads[node.tree_id].append(node)
    return {tree_id: shown(nodes, top_level=0, max_depth=settings.COMMENTS_MAX_DEPTH, everything=everything)
            for tree_id, nodes in threads.items()}


def subtree(comment, *, everything=False):
    """A comment's own page: the shown comments of its subtree (to a depth below it)."""
    limit = comment.level + settings.COMMENTS_MAX_DEPTH
    nodes = read_nodes(tree_id=comment.tree_id, lft__gte=comment.lft, rght__lte=comment.rght,
                       level__lte=limit, below=shows_below(limit, everything=everything))
    return shown(nodes, top_level=comment.level, max_depth=settings.COMMENTS_MAX_DEPTH, everything=everything)


PICKED = {"picked_at__isnull": False, "status": PUBLISHED}


def picks(article, *, limit=None, offset=0):
    """The editors' picks readers can see, newest pick first, as Nodes each shown on its own
    (depth 0): one query, and none when the article has no pick at all."""
    if not article.pick_count:
        return []
    return read_nodes(article=article, **PICKED, order=("-picked_at", "-id"), limit=limit, offset=offset)


def count_picks(article):
    return Comment.objects.filter(article=article, **PICKED).count()


def by_the_newsroom(article):
    """The comments of an article's newsroom (staff and its own authors) readers can see;
    `article` may be an OuterRef, for a query of articles that asks whether there are any."""
    return Comment.objects.annotate(**NEWSROOM_COLUMNS).filter(BY_NEWSROOM, article=article, status=PUBLISHED)


def from_the_newsroom(article, *, limit, offset=0):
    """The comments of the article's newsroom readers can see (by_the_newsroom), newest
    first, each with the comment it answers (None for a new thread): [(Node, parent Node or
    None)], in two queries."""
    nodes = read_nodes(BY_NEWSROOM, article=article, status=PUBLISHED,
                       order=("-created_at", "-id"), limit=limit, offset=offset)
    answered = [node.parent_id for node in nodes if node.parent_id]
    parents = {parent.id: parent for parent in read_nodes(pk__in=answered)} if answered else {}
    return [(node, parents.get(node.parent_id)) for node in nodes]


def recommended_by(viewer, **comment_filter):
    """Ids of the comments (matching the filter) that the viewer has recommended."""
    if viewer is None or not viewer.is_authenticated:
        return frozenset()
    return frozenset(
        Recommendation.objects.filter(user=viewer, **comment_filter).values_list("comment_id", flat=True)
    )


@dataclass
class Facts:
    """What a moderator sees of a comment besides its markup (never on a public page)."""

    status: str
    flags: int
    reviewed: bool  # a moderator has decided: flags no longer hide it
    username: str  # its author's, for their history in the desk ("" for a guest)
    flag_reasons: list  # [(reason, how many)], most first
    spam: float | None = None  # the machine's scores (comments/triage/), None if not scored
    abuse: float | None = None
    score_reason: str = ""
    why: str = ""  # for a comment not shown: the reason of the decision or hold that hid it


HIDING_ACTIONS = ("remove", "spam", "hold", "hide")


def moderators_facts(**comment_filter):
    """{comment id: Facts} of the comments matching the filter, for the moderators' view of
    a discussion: a query for the comments, and only when some are flagged or hidden, one
    for the flags' reasons and one for the log entries that say why they are hidden."""
    from comments.models import Flag, ModerationLog

    facts = {
        pk: Facts(status, flags, reviewed is not None, username or "", [], spam, abuse, reason)
        for pk, status, flags, reviewed, username, spam, abuse, reason in Comment.objects.filter(**comment_filter)
        .values_list("id", "status", "flag_count", "reviewed_at", "author__username",
                     "spam_score", "abuse_score", "score_reason")
    }
    flagged = [pk for pk, fact in facts.items() if fact.flags]
    if flagged:
        rows = (Flag.objects.filter(comment_id__in=flagged).values_list("comment_id", "reason")
                .annotate(n=Count("id")).order_by("comment_id", "-n", "reason"))
        for pk, reason, count in rows:
            facts[pk].flag_reasons.append((reason, count))
    hidden = [pk for pk, fact in facts.items() if fact.status != PUBLISHED]
    if hidden:
        entries = (ModerationLog.objects.filter(comment_id__in=hidden, action__in=HIDING_ACTIONS)
                   .order_by("comment_id", "-id"))
        for entry in entries:
            fact = facts[entry.comment_id]
            if not fact.why:
                fact.why = f"{entry.get_action_display()}: {entry.why}" if entry.why else entry.get_action_display()
    return facts


def location(comment, *, everything=False):
    """Where a comment is read in its discussion: the article page (with the comments
    page that holds its thread, in the default order), at the comment's anchor; for a
    moderator (`everything`), the page of their view, which holds more threads.

    Every POST that changes a comment ends here, so it costs one query at most: none when the
    article has fewer published comments than a page has threads (then every thread taking
    a place is on the first page: a thread takes one only with a published comment in it),
    else a count of the threads before the comment's, its root read in the same query."""
    if comment.level > settings.COMMENTS_MAX_DEPTH:
        return f"{comment.get_absolute_url()}#comment-{comment.pk}"
    article = comment.article
    page = 1
    if everything or article.comment_count >= settings.COMMENTS_PER_PAGE:
        if comment.parent_id is None:
            created_at, pk = comment.created_at, comment.pk
        else:
            root = Comment.objects.filter(tree_id=comment.tree_id, level=0)
            created_at, pk = Subquery(root.values("created_at")), Subquery(root.values("id"))
        earlier = (
            threads_of(comment.article_id, everything=everything)
            .filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
            .count()
        )
        page = earlier // settings.COMMENTS_PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    return f"{article.get_absolute_url()}{query}#comment-{comment.pk}"
