from django import template

from comments import moderation

register = template.Library()


@register.simple_tag
def can_moderate(user):
    """Once per page, before the discussion's loop: whether to draw the staff buttons."""
    return moderation.can_moderate(user) if user.is_staff else False
