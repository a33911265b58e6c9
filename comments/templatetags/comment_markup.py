from django import template
from django.utils.safestring import mark_safe

from comments import markup

register = template.Library()


@register.filter
def quoted(comment):
    """A comment quoted above a form about it, in the markup of comments/markup.py."""
    return markup.quote(comment)


@register.filter
def commenter(comment):
    """Who wrote a comment, in the markup of comments/markup.py (<bdi>, the staff mark)."""
    return mark_safe(markup.name(comment))
