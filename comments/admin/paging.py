"""How the comment admin's lists are cut into pages, cheaply at 100,000 comments.

- Lists count their rows only up to a limit (CountedPaginator): past it the page says "more
  than 20,000", instead of counting every match of a search or a big queue.
- One discussion (an article or a thread, shown as a tree) is paged by whole threads
  (ThreadPages): a page holds as many top-level threads, each with all its replies, as fit in
  TREE_PAGE_ROWS rows. A thread bigger than that is cut into parts of its own, each opening
  with the comments above its first row (marked as context), so no part starts at level 8
  with nothing above it. Planning needs one query, since a root's rght says how big its
  thread is; a part's rows are read in the same query as its context, the part's first and
  next first lft found by position in the thread, sorted by lft.
"""

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from comments.models import Comment
from comments.moderation import BULK_LIMIT

TREE_PAGE_ROWS = 100


class CountAtLeast(int):
    """A row count that stopped at its limit: it compares as the limit and reads
    "more than N" on the page (and in "Select all … comments")."""

    def __str__(self):
        return f"more than {self - 1:,}"


class CountedPaginator(Paginator):
    # One more than a bulk decision takes, so "select all" past it is refused, not cut short.
    limit = BULK_LIMIT + 1

    def __init__(self, object_list, per_page, limit=None, counted=None, known=None, **kwargs):
        """`limit`: count no further than this; `counted`: the same rows as the list, written
        in a way that is cheaper to count; `known`: their count, already known (up to the
        limit; comments/admin/search.py)."""
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit or self.limit
        self.counted = object_list if counted is None else counted
        self.known = known

    @cached_property
    def count(self):
        # Unordered: which rows are counted up to the limit does not change how many.
        counted = self.known if self.known is not None else self.counted.order_by()[: self.limit].count()
        return CountAtLeast(counted) if counted >= self.limit else counted


class ThreadPages(Paginator):
    """Pages of whole threads of one discussion, in the order they were started."""

    def __init__(self, queryset, rows=None, roots=None, whole=False):
        """`roots`: the top-level comments of the discussion shown (its article's, or one
        thread's), which the threads of the list are among; `whole`: the list is the whole
        discussion (nothing filtered out), so each of them is a thread of the list."""
        self.rows = rows or TREE_PAGE_ROWS
        self.roots = Comment.objects.filter(parent=None) if roots is None else roots
        self.whole = whole
        super().__init__(queryset, self.rows)

    @cached_property
    def threads(self):
        """(tree id, number of comments) of every thread in the list, oldest first.

        Read from the discussion's roots (through an index), each kept if its thread has a
        row in the list. Asked the other way round (the roots of the whole table, kept if
        their tree id is among the list's), PostgreSQL read every comment of the table for a
        big discussion. The whole discussion needs no such check: its roots are its threads
        (for the big story's 1,100 threads, the check was most of the plan's time)."""
        roots = self.roots if self.whole else self.roots.filter(tree_id__in=self.object_list.values("tree_id"))
        roots = roots.order_by("tree_id").values_list("tree_id", "rght")
        return [(tree_id, rght // 2) for tree_id, rght in roots]

    @cached_property
    def plan(self):
        """Each page: (tree ids shown whole, None) or (None, (tree id, number of the part))."""
        pages, whole, size = [], [], 0
        for tree_id, rows in self.threads:
            if size + rows > self.rows and whole:
                pages.append((whole, None))
                whole, size = [], 0
            if rows > self.rows:
                pages += [(None, (tree_id, part)) for part in range(-(-rows // self.rows))]
            else:
                whole.append(tree_id)
                size += rows
        if whole:
            pages.append((whole, None))
        return pages

    @cached_property
    def count(self):
        return sum(rows for _, rows in self.threads)

    @cached_property
    def num_pages(self):
        return max(1, len(self.plan))

    def page(self, number):
        number = self.validate_number(number)
        if not self.plan:
            return Page(self.object_list.none(), number, self)
        whole, part = self.plan[number - 1]
        if whole:
            rows = self.object_list.filter(tree_id__in=whole)
        else:
            tree_id, part = part
            first, end = (self.lft_at(tree_id, part * self.rows), self.lft_at(tree_id, (part + 1) * self.rows))
            rows = self.object_list.filter(
                Q(tree_id=tree_id, lft__gte=first, lft__lt=end)
                | Q(tree_id=tree_id, lft__lt=first, rght__gt=first)  # the comments above it
            ).annotate(above_page=ExpressionWrapper(Q(lft__lt=first), output_field=BooleanField()))
        return Page(rows.order_by("tree_id", "lft"), number, self)

    @staticmethod
    def lft_at(tree_id, position):
        """The lft of the comment at `position` in its thread (0 is the root), or past the end."""
        at = Comment.objects.filter(tree_id=tree_id).order_by("lft").values("lft")[position:position + 1]
        return Coalesce(Subquery(at), Value(2**31 - 1))
