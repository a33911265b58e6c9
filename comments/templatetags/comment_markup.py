from django import template
from django.utils.safestring import mark_safe

from comments import markup

register = template.Library()


@register.filter
def quoted(comment):
    """A comment quoted above a form about it, in the markup of comments/markup.py."""
    return markup.quote(comment)


@register.filter
def linked_quote(comment):
    """A comment quoted in a list of comments, its time linking to its own page."""
    return markup.quote(comment, link=True)


@register.filter
def own_words(comment):
    """One of the reader's own comments, in their list of them, whatever became of it."""
    return markup.quote(comment, link=comment.is_visible, to_author=True)


@register.filter
def commenter(comment):
    """Who wrote a comment, in the markup of comments/markup.py (<bdi>, the staff mark)."""
    return mark_safe(markup.name(comment))
