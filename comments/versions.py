"""The versions of what the public sees of discussions, and the public comment count: the one
place that moves them.

Pages are cached whole for anonymous readers and answered with 304 Not Modified by comparing
versions, never by rendering (newsroom/pagecache.py). That is only correct if every write that
changes what a public page shows moves a version in the same transaction as the change, so
the new version is committed together with the new content or not at all.

The versions
- ``Article.discussion_version`` (an integer) and ``Article.discussion_changed_at`` (its time,
  for Last-Modified): move with every public change in the article's discussion.
- ``Comment.thread_version`` on a thread's root (the row with ``level = 0``): moves with every
  public change anywhere in that thread. Cache a thread's markup under
  ``(root id, thread_version)``: root ids are never reused (a tree id can be, after a delete).
- ``Article.comment_count`` (and ``comment_count_changed_at``, which lists and feeds validate
  against) move here too, in the same UPDATE as the discussion version.
- The site version (articles, sections, tags, authors, names) is in newsroom/versions.py.

The API (for the writers in comments/actions.py, comments/moderation.py and the tools that
write comments in bulk)
- ``discussion_changed(comment, count=0, picks=0)``: after changing ``comment`` in a way the
  public can see (posted, edited, a status, a recommendation, replies locked, picked by the
  editors); ``count`` is the change of the article's public count, ``picks`` of its number
  of editors' picks (``Article.pick_count``). Two small UPDATEs (one with ``thread=False``,
  for a new thread's root, whose version nothing can have been kept under yet); call it
  inside the transaction.
- ``comments_added({article id: public count})``: after comments were written in bulk.
- ``articles_changed(article_ids)``: after any other bulk change (a recount).
Each of them also moves the front's generation once the transaction commits
(newsroom/front.py), so every worker and app server stops trusting the validators it kept.
Commenters' names are shown beside their comments, so renaming a person moves the
discussions they wrote in (the signals at the bottom, for the profile page and the admin).
So does the newsroom's mark beside them (comments/markup.py): a person's author page (given,
taken away, renamed) moves every discussion they wrote in, and an article's authors changing
moves that article's whole discussion.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, F, OuterRef, Q, Value, When
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from comments.models import Comment
from newsroom import front
from newsroom.models import Article, Author, User
from newsroom.prepared import PreparedUpdate

# What a comment shows of its author: the name, and the staff mark (comments/markup.py).
NAME_FIELDS = ("display_name", "username", "is_staff")


def discussion_changed(comment, count=0, picks=0, thread=True):
    now = timezone.now()
    if count > 0 and not picks and comment.author_id is not None:  # every post shown
        SHOWN.run(article=comment.article_id, now=now, count=count, author=comment.author_id)
    elif not count and not picks:
        MOVED.run(article=comment.article_id, now=now)
    else:  # picks, a guest's comment approved, comments leaving view: built each time
        Article.objects.filter(pk=comment.article_id).update(**moves(
            now, count, picks, newsroom_replies_after(comment, shown=count > 0) if count else None))
    if thread:
        THREAD_MOVED.run(tree=comment.tree_id)
    front.versions_moved()


def moves(now, count=0, picks=0, newsroom=None, *, bulk=False):
    """What moves in the article's row: its discussion's version, its public count by `count`
    (and then whether the newsroom replies there, `newsroom`: newsroom_replies_after) and its
    number of picks by `picks`. F() makes each atomic: concurrent writers in other threads
    never undo each other.
    After comments written in `bulk` (comments_added), the count's fields move even when the
    net count is 0, and whether the newsroom replies there is asked of the whole discussion
    again (newsroom_wrote_here), whatever came into view or left it."""
    moved = {"discussion_version": F("discussion_version") + 1, "discussion_changed_at": now}
    if picks:
        moved["pick_count"] = F("pick_count") + picks
    if count or bulk:
        moved.update(comment_count=F("comment_count") + count, comment_count_changed_at=now,
                     has_newsroom_replies=newsroom_wrote_here() if bulk else newsroom)
    return moved


# Every post and every decision moves these: compiled once per process (newsroom/prepared.py).
MOVED = PreparedUpdate(lambda article, now: (Article.objects.filter(pk=article), moves(now)),
                       article=int, now=datetime)
SHOWN = PreparedUpdate(
    lambda article, now, count, author: (Article.objects.filter(pk=article),
                                         moves(now, count, newsroom=newsroom_shown(author, article))),
    article=int, now=datetime, count=int, author=int,
)
THREAD_MOVED = PreparedUpdate(
    lambda tree: (Comment.objects.filter(tree_id=tree, level=0), {"thread_version": F("thread_version") + 1}),
    tree=int,
)


def newsroom_replies_after(comment, *, shown):
    """Article.has_newsroom_replies once `comment` came into view (`shown`) or left it, as an
    expression of the article's row, for the UPDATE that moves its count. Coming into view,
    only this comment's author can make it true (staff, or one of the article's own authors),
    asked of their row alone; leaving it, the discussion is asked again, and only when it was
    true (the CASE keeps the scan from the discussions the newsroom never wrote in)."""
    if not shown:
        return Case(When(has_newsroom_replies=False, then=Value(False)), default=newsroom_wrote_here())
    if comment.author_id is None:  # a guest's
        return F("has_newsroom_replies")
    return newsroom_shown(comment.author_id, comment.article_id)


def newsroom_shown(author, article):
    """newsroom_replies_after for a comment by this account coming into view."""
    newsroom = User.objects.filter(pk=author).filter(Q(is_staff=True) | Q(author_profile__articles=article))
    return ExpressionWrapper(Q(has_newsroom_replies=True) | Exists(newsroom), output_field=BooleanField())


def newsroom_wrote_here():
    """Whether the newsroom has a comment readers can see in the discussion (for an UPDATE of
    articles: comments/thread.py's by_the_newsroom rule)."""
    from comments.thread import by_the_newsroom

    return Exists(by_the_newsroom(OuterRef("pk")))


def comments_added(counts):
    """After comments were written in bulk: {article id: how many of them are public}."""
    now = timezone.now()
    for article_id, count in counts.items():
        Article.objects.filter(pk=article_id).update(**moves(now, count, bulk=True))
    front.versions_moved()


def articles_changed(article_ids):
    """After any other change to what these discussions show (staff marks and bylines among
    them: who counts as the newsroom)."""
    Article.objects.filter(pk__in=article_ids).update(
        discussion_version=F("discussion_version") + 1, discussion_changed_at=timezone.now(),
        has_newsroom_replies=newsroom_wrote_here(),
    )
    front.versions_moved()


def threads_changed(tree_ids):
    Comment.objects.filter(level=0, tree_id__in=tree_ids).update(
        thread_version=F("thread_version") + 1
    )
    front.versions_moved()


def name_shown_changed(user, threads_per_transaction):
    """After a person's shown name changed (their account was deleted and renamed): move the
    versions of every discussion and thread they wrote in (see `moved_under_locks`). Call it
    after the name has been committed, so a page rendered under a new version can only show
    the new name."""
    moved_under_locks(Comment.objects.filter(author=user).values_list("tree_id", "article_id"),
                      threads_per_transaction)


def moved_under_locks(pairs, threads_per_transaction):
    """Move the versions of these (tree id, article id) threads and their discussions, a group
    of threads at a time, each under the group's locks, so the moves keep the lock order
    (comments/tree.py: thread locks, then the articles, then the threads' roots) and never
    deadlock with a reply, which renumbers its thread's root before it moves its article."""
    from comments import tree

    pairs = sorted(set(pairs))
    trees = sorted({tree_id for tree_id, _ in pairs})
    for start in range(0, len(trees), threads_per_transaction):
        group = trees[start:start + threads_per_transaction]
        chosen = set(group)
        with tree.locked_threads(group):
            articles_changed(sorted({article for tree_id, article in pairs if tree_id in chosen}))
            threads_changed(group)


def written_by(user):
    """(tree id, article id) of the threads, and their discussions, that show the person's name."""
    return set(Comment.objects.filter(author=user).values_list("tree_id", "article_id"))


# The versions move after the name has changed (post_save, post_delete), so a page rendered
# in between can never be kept under the new version with the old name; what to move is
# read before (pre_save, pre_delete), while the comments still point at the person.
@receiver(pre_save, sender=User, dispatch_uid="comments.versions.renaming")
def renaming(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._shown_in = None
    if raw or instance._state.adding or (
        update_fields is not None and not set(update_fields) & set(NAME_FIELDS)
    ):
        return  # a sign-in (last_login) or a new account: no name shown anywhere changes
    before = User.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()
    if before is not None and before != tuple(getattr(instance, name) for name in NAME_FIELDS):
        instance._shown_in = written_by(instance)


@receiver(pre_delete, sender=User, dispatch_uid="comments.versions.leaving")
def leaving(sender, instance, **kwargs):
    instance._shown_in = written_by(instance)  # their comments stay, without their name


@receiver(post_save, sender=User, dispatch_uid="comments.versions.renamed")
@receiver(post_delete, sender=User, dispatch_uid="comments.versions.left")
def name_changed(sender, instance, **kwargs):
    # Once the new name has committed, and under the threads' locks: moved inside the saving
    # transaction, the versions' row locks were taken outside the lock order, and a reply in
    # one of those threads at the same moment deadlocked with the rename (a 500).
    from comments.moderation import THREADS_PER_TRANSACTION

    shown_in = getattr(instance, "_shown_in", None)
    if shown_in:
        transaction.on_commit(lambda: moved_under_locks(shown_in, THREADS_PER_TRANSACTION))
        instance._shown_in = None


# The newsroom's marks (comments/markup.py): an author page links a person's comments to it,
# and an article's own authors are marked "Author" in its discussion. The versions move once
# the change has committed (the marks read then are the new ones), each group of threads
# under its locks: the admin's transaction holds the article's row by then, and taking
# thread locks after it would break the lock order.
def marks_changed(pairs):
    from comments.moderation import THREADS_PER_TRANSACTION

    transaction.on_commit(lambda: moved_under_locks(pairs(), THREADS_PER_TRANSACTION))


@receiver(pre_save, sender=Author, dispatch_uid="comments.versions.author_page_changing")
def author_page_changing(sender, instance, raw=False, **kwargs):
    instance._marks_of = set()
    if raw:
        return
    before = Author.objects.filter(pk=instance.pk).values_list("user_id", "slug").first()
    if before != (instance.user_id, instance.slug):
        instance._marks_of = {user for user in (before and before[0], instance.user_id) if user}


@receiver(pre_delete, sender=Author, dispatch_uid="comments.versions.author_page_going")
def author_page_going(sender, instance, **kwargs):
    instance._marks_of = {instance.user_id} if instance.user_id else set()


@receiver(post_save, sender=Author, dispatch_uid="comments.versions.author_page_changed")
@receiver(post_delete, sender=Author, dispatch_uid="comments.versions.author_page_gone")
def author_page_changed(sender, instance, **kwargs):
    users = getattr(instance, "_marks_of", set())
    if users:
        marks_changed(lambda: Comment.objects.filter(author_id__in=users).values_list("tree_id", "article_id"))
    instance._marks_of = set()


@receiver(m2m_changed, sender=Article.authors.through, dispatch_uid="comments.versions.bylines")
def bylines_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":  # which articles lose their authors: unknown once they have
        instance._bylines_of = ({instance.pk} if not reverse
                                else set(instance.articles.values_list("pk", flat=True)))
        return
    if action == "post_clear":
        articles = instance._bylines_of
    elif action in ("post_add", "post_remove") and pk_set:
        articles = {instance.pk} if not reverse else set(pk_set)
    else:
        return
    marks_changed(lambda: Comment.objects.filter(article_id__in=articles, parent__isnull=True)
                  .values_list("tree_id", "article_id"))
