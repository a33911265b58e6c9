from mptt.managers import TreeManager
from mptt.querysets import TreeQuerySet


class CommentQuerySet(TreeQuerySet):
    def visible(self):
        """What the public may read; the public comment count counts exactly these."""
        return self.filter(status="published")

    def roots(self):
        return self.filter(parent__isnull=True)


class CommentManager(TreeManager.from_queryset(CommentQuerySet)):
    pass
