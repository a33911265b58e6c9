"""The comments on a page, put together: what comments/thread.py reads, in the markup of
comments/markup.py, with each signed-in reader's own controls written in.

- `article_discussion`: one page of an article's discussion. Each thread's markup is kept in
  the cache under its root's id and version (comments/versions.py moves the version with
  every public change in the thread), so a page whose threads are all cached reads no comment
  at all, and one new reply re-reads and re-renders its own thread only.
- the editors' picks: a strip of the newest few above the discussion, and all of them as the
  "Picks" order (each comment on its own, with its reason), in one query, none without picks.
- `comment_page`: a comment's own page (the comments above it, then its subtree), rendered
  each time: it is small, and the page cache keeps it whole.

Moderators get their own view of both: every comment but those their authors deleted, each
with its status, flags and why it is hidden, and the decisions that apply to it (threads with
nothing public take a place too, so a removed comment can be restored where it was). It is
rendered for them each time and never cached: signed-in pages never are
(newsroom/pagecache.py), and thread markup in the cache is only ever the public one.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from comments import markup, moderation, thread
from newsroom.release import RELEASE

logger = logging.getLogger(__name__)

PICKS_IN_STRIP = 3
PICKS_ORDER = "picks"
NEWSROOM = "newsroom"  # the "Replies from the newsroom" view, beside the orders
NEWSROOM_LABEL = (NEWSROOM, "Replies from the newsroom")

# Kept for a day after its last use; a changed thread is kept under a new key, so nothing is
# ever stale, and the old entry simply ages out.
THREAD_MARKUP_SECONDS = 24 * 3600


@dataclass
class Discussion:
    sort: str
    page: object  # the Paginator's page, for the page links
    # The threads' <li>s in UTF-8, as the page is sent (b"" when no thread takes a place):
    # a long discussion is most of the page's bytes, and each thread's are kept encoded, so
    # the page is put together as bytes, never copied or encoded again as a whole.
    encoded: bytes
    moderators_view: bool = False
    picks: str = ""  # the editors' picks strip (safe), or ""
    sorts: tuple = ()  # the orders and views offered ("Picks" only when there are some)

    @property
    def markup(self):
        """The threads' <li>s as text (safe)."""
        return mark_safe(self.encoded.decode())


def is_moderator(user):
    return user is not None and moderation.can_moderate(user)


def controls_for(user, *, recommended, facts_of):
    """The per-reader controls for a signed-in user (None for anonymous readers, who get the
    shared markup as it is). `facts_of` is a filter of the comments whose status, flags and
    reasons the moderators' controls show; they are read only for moderators."""
    if user is None or not user.is_authenticated:
        return None
    moderator = is_moderator(user)
    return markup.Controls(user, recommended=recommended(), moderator=moderator,
                           facts=thread.moderators_facts(**facts_of) if moderator else None)


def article_discussion(article, *, sort=None, page_number=1, user=None):
    if sort == PICKS_ORDER and article.pick_count:
        return picked_discussion(article, page_number=page_number, user=user)
    if sort == NEWSROOM and article.comment_count:
        return newsroom_replies(article, page_number=page_number, user=user)
    everything = is_moderator(user)
    page = thread.page_of_threads(article, sort=sort, page_number=page_number, everything=everything)
    tree_ids = [root.tree_id for root in page.roots]
    if everything:
        nodes = thread.read_threads(article, tree_ids, everything=True)
        prefix, clock = markup.comment_url_prefix(), markup.Clock()
        markups = [markup.thread(nodes[tree_id], accepts_comments=article.accepts_comments, prefix=prefix,
                                 clock=clock, everything=True) for tree_id in tree_ids]
    else:
        markups = thread_markups(article, page.roots)
    controls = controls_for(
        user if tree_ids else None,
        recommended=lambda: thread.recommended_by(user, comment__article=article),
        facts_of={"article": article, "tree_id__in": tree_ids},
    )
    if controls is None:
        # Anonymous: the cached threads as they are (moderators always have controls).
        encoded = b"".join(item.encoded for item in markups)
    else:
        encoded = "".join(controls.write_into(item) for item in markups).encode()
    picks = thread.picks(article, limit=PICKS_IN_STRIP) if tree_ids else []
    return Discussion(
        sort=page.sort, page=page.page, encoded=encoded, moderators_view=everything,
        picks=markup.picks_strip(picks, more_link=f"?sort={PICKS_ORDER}#comments") if picks else "",
        sorts=offered(article),
    )


def offered(article):
    """The orders and views of a discussion offered to its readers: "Picks" when there are
    some, "Replies from the newsroom" when there are some (Article.has_newsroom_replies)."""
    picks = ((PICKS_ORDER, "Picks"),) if article.pick_count else ()
    newsroom = (NEWSROOM_LABEL,) if article.has_newsroom_replies else ()
    return (*thread.SORT_LABELS, *picks, *newsroom)


def paged(read, count, page_number):
    """One page of a view listed on its own (the picks, the newsroom's replies), paged as the
    orders are: (what `read(offset, limit)` gives for it, the Paginator's page). `count()` is
    asked only when there may be more than one page (a first page that is full, or another)."""
    per_page = settings.COMMENTS_PER_PAGE
    number = thread.wanted_page(page_number)
    rows = read((number - 1) * per_page, per_page)
    paginator = Paginator([], per_page)
    paginator.count = len(rows) if number == 1 and len(rows) < per_page else count()
    if not rows and paginator.count:  # past the end: the last page, as Paginator.get_page
        return paged(read, count, paginator.num_pages)
    page = paginator.page(number if rows else 1)
    page.object_list = rows
    return rows, page


def picked_discussion(article, *, page_number=1, user=None):
    """The "Picks" order: every editors' pick readers can see, newest pick first, each on its
    own with its reason and the reader's controls, a page at a time."""
    nodes, page = paged(lambda offset, limit: thread.picks(article, limit=limit, offset=offset),
                        lambda: thread.count_picks(article), page_number)
    if not nodes:  # every pick is hidden now: the discussion as usual
        return article_discussion(article, user=user)
    shared = markup.comments(nodes, accepts_comments=article.accepts_comments)
    ids = [node.id for node in nodes]
    controls = controls_for(user, recommended=lambda: thread.recommended_by(user, comment__in=ids),
                            facts_of={"pk__in": ids})
    html = shared.html if controls is None else controls.write_into(shared)
    return Discussion(sort=PICKS_ORDER, page=page, encoded=html.encode(), sorts=offered(article))


def newsroom_replies(article, *, page_number=1, user=None):
    """"Replies from the newsroom": what its staff and the article's authors wrote in the
    discussion, newest first, each under the comment it answers, a page at a time."""
    answers, page = paged(lambda offset, limit: thread.from_the_newsroom(article, limit=limit, offset=offset),
                          lambda: thread.by_the_newsroom(article).count(), page_number)
    if not answers:
        html = f'<li class="empty">{markup.NO_NEWSROOM_REPLIES}</li>'
    else:
        shared = markup.answers(answers, accepts_comments=article.accepts_comments)
        ids = [node.id for node, _ in answers]
        controls = controls_for(
            user, recommended=lambda: thread.recommended_by(user, comment__in=ids),
            facts_of={"pk__in": ids},
        )
        html = shared.html if controls is None else controls.write_into(shared)
    return Discussion(sort=NEWSROOM, page=page, encoded=html.encode(), sorts=offered(article))


def markup_keys(article, roots):
    """The cache keys of these threads' markup, [(root id, its thread version)]."""
    # Besides the thread itself, its markup depends on whether the discussion is open (Reply
    # links), how deep threads go, the language and the time zone of the times.
    context = (f"{RELEASE}:{int(article.accepts_comments)}:{settings.COMMENTS_MAX_DEPTH}:"
               f"{translation.get_language()}:{timezone.get_current_timezone_name()}")
    return [f"thread-markup:{root}:{version}:{context}" for root, version in roots]


def thread_markups(article, roots):
    """The markup of each thread (in the order of `roots`): from the cache, or read (in one
    query for all the missing threads), rendered and cached."""
    accepts = article.accepts_comments
    keys = markup_keys(article, [(root.id, root.version) for root in roots])
    try:
        found = cache.get_many(keys) if keys else {}
    except Exception:  # the cache being away costs a render, never the page
        logger.warning("thread markup cache unavailable for reading", exc_info=True)
        found = {}
    missing = [(key, root) for key, root in zip(keys, roots) if key not in found]
    if missing:
        prefix, clock = markup.comment_url_prefix(), markup.Clock()
        nodes = thread.read_threads(article, [root.tree_id for _, root in missing])
        # Kept as plain (UTF-8, slots) tuples: unpickling a Markup costs four times as much,
        # and a page reads fifty of them; anonymous pages send the bytes as they are.
        fresh = {}
        for key, root in missing:
            item = markup.thread(nodes[root.tree_id], accepts_comments=accepts, prefix=prefix, clock=clock)
            fresh[key] = (item.html.encode(), item.slots)
        try:
            cache.set_many(fresh, THREAD_MARKUP_SECONDS)
        except Exception:
            logger.warning("thread markup cache unavailable for writing", exc_info=True)
        found.update(fresh)
    return [Encoded(*found[key]) for key in keys]


@dataclass(frozen=True)
class Encoded:
    """A thread's shared markup as kept in the cache: UTF-8, and its slots (markup.Markup);
    `html` decodes it, for writing a signed-in reader's controls into (Controls.write_into)."""

    encoded: bytes
    slots: tuple

    @property
    def html(self):
        return self.encoded.decode()


@dataclass
class CommentPage:
    ancestors: str  # the comments above it, a line each (safe), "" for a top-level comment
    markup: str  # the comment and its replies: <li>s (safe)


def comment_page(comment, *, user=None):
    """A comment's own page, or None when nothing of its subtree is shown."""
    everything = is_moderator(user)
    nodes = thread.subtree(comment, everything=everything)
    if not nodes:
        return None
    prefix = markup.comment_url_prefix()
    shared = markup.comments(nodes, accepts_comments=comment.article.accepts_comments, prefix=prefix,
                             everything=everything)
    subtree = {"tree_id": comment.tree_id, "lft__gte": comment.lft, "rght__lte": comment.rght}
    controls = controls_for(
        user, recommended=lambda: thread.recommended_by(user, comment__tree_id=comment.tree_id),
        facts_of=subtree,
    )
    html = shared.html if controls is None else controls.write_into(shared)
    ancestors = comment.get_ancestors().select_related("author").annotate(**thread.NEWSROOM_COLUMNS)
    return CommentPage(
        ancestors=markup.ancestors(ancestors, prefix=prefix) if ancestors else "",
        markup=mark_safe(html),
    )


def one_comment(comment, *, user):
    """One comment's <li> as its discussion shows it to this reader (their own controls
    written in), without its replies: what the page's script puts in place after a post or a
    recommendation (comments/in_place.py). One query for the comment, and the reader's
    recommendations of it."""
    nodes = thread.shown(thread.read_nodes(pk=comment.pk), top_level=comment.level,
                         max_depth=settings.COMMENTS_MAX_DEPTH)
    shared = markup.comments(nodes, accepts_comments=comment.article.accepts_comments)
    controls = controls_for(user, recommended=lambda: thread.recommended_by(user, comment=comment.pk),
                            facts_of={"pk": comment.pk})
    return mark_safe(shared.html if controls is None else controls.write_into(shared))
