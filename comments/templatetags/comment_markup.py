from django import template

from comments import markup

register = template.Library()


@register.filter
def quoted(comment):
    """A comment quoted above a form about it, in the markup of comments/markup.py."""
    return markup.quote(comment)
