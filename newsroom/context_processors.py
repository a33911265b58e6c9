from functools import partial

from django.conf import settings

from comments import replies
from newsroom.models import Section


def site(request):
    # Sections are few and change rarely; one small query per page for the navigation.
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "nav_sections": Section.objects.all(),
    }


def reader(request):
    """What the header shows a signed-in reader about them: unread replies. A callable, so
    the query runs only where a template shows it; anonymous pages (the same for everyone,
    cached whole) get nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_replies": partial(replies.unread_label, user)}
