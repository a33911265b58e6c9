from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery
from mptt.managers import TreeManager
from mptt.querysets import TreeQuerySet


class CommentQuerySet(TreeQuerySet):
    def visible(self):
        """What the public may read; the public comment count counts exactly these."""
        return self.filter(status="published")

    def roots(self):
        return self.filter(parent__isnull=True)

    def taking_a_place(self):
        """Of top-level comments: those whose thread takes a place on a page of the
        discussion, because it shows something. A thread shows something exactly when a
        comment in it is published (a hidden comment is shown only as the placeholder above
        a shown reply), so a removed comment whose replies are all removed takes none.

        The thread's published comments are asked for at the root's level or deeper (all of
        them, the root being at level 0), not by tree id alone: a subquery matched on
        equalities only, PostgreSQL may answer in one hashed pass over every published
        comment of the table (it did once an article had a thousand threads: 60-200 ms at
        120,000 comments). This one it can only ask root by root, through the (tree_id, level)
        index, and only for a hidden root: a published one takes its place before."""
        published_in_thread = self.model.objects.filter(
            tree_id=OuterRef("tree_id"), level__gte=OuterRef("level")).visible()
        return self.filter(Q(status="published") | Exists(published_in_thread))

    def before_moderators(self):
        """Of top-level comments: those whose thread a moderator's view of the discussion shows,
        because something in it is there to decide about or to restore: any comment its author
        has not deleted (a removed comment without replies takes no place for the public)."""
        kept_in_thread = self.model.objects.filter(tree_id=OuterRef("tree_id")).exclude(status="deleted")
        return self.filter(Exists(kept_in_thread))

    def for_change(self):
        """Rows read to be changed: locked until the transaction ends (comments/tree.py has the
        lock order). FOR NO KEY UPDATE, not FOR UPDATE: writers still queue behind each other,
        but the foreign-key checks other transactions make at commit (FOR KEY SHARE on the
        parent of a comment they changed twice, on a comment they logged about) never wait
        for it, so a reply holding its parent and a removal holding the article's count
        cannot deadlock."""
        return self.select_for_update(no_key=True)


class CommentManager(TreeManager.from_queryset(CommentQuerySet)):
    pass


class CountOf(Subquery):
    """How many rows a queryset has (up to its slice), as a value inside another query: one
    query can then ask several counts at once. A count capped by a slice reads at most that
    many rows, where Count() over a join or a filter would read them all."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()
