from django import template

from comments import thread as threads

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context, thread):
    """One thread's comments, rendered by comments.thread.render_thread (a template loop would
    cost more than the whole page may take on a big discussion)."""
    return threads.render_thread(
        thread,
        comment_url=context.get("comment_url", ""),
        accepts_comments=context.get("accepts_comments"),
        user=context.get("user"),
        moderator=context.get("moderator", False),
    )
