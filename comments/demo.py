"""The seed article's discussion, as the page showed it: names, guests and who answers whom."""

from datetime import timedelta

from django.utils.text import slugify

from comments import actions, tree
from comments.models import Comment
from newsroom.models import User

FIRST_COMMENT_AFTER = timedelta(minutes=40)
BETWEEN_COMMENTS = timedelta(minutes=7)


def commenter(name):
    user, created = User.objects.get_or_create(
        username=slugify(name) or "commenter", defaults={"display_name": name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def load_seed_discussion(article, seed_comments):
    """Add the discussion once; returns the comments by their number on the page."""
    if article.comments.exists():
        return {}
    saved = {}
    for seed in seed_comments:
        parent = saved.get(seed.parent)
        with tree.locked(parent.tree_id if parent else None):
            if parent is not None:
                parent.refresh_from_db()
            saved[seed.number] = actions.save_new(Comment(
                article=article,
                parent=parent,
                author=commenter(seed.author) if seed.author else None,
                body=seed.body,
                status=Comment.Status.PUBLISHED,
                created_at=article.published_at + FIRST_COMMENT_AFTER + seed.number * BETWEEN_COMMENTS,
            ))
    return saved
