from functools import lru_cache, partial

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from comments import replies
from newsroom.models import Section
from newsroom.prepared import PreparedQuery

# Sections are few and change rarely; one small query per page for the navigation, compiled
# once per process, sent only if the page shows the navigation (the template calls it).
SECTIONS = PreparedQuery(lambda: Section.objects.all())
# Addresses every page links to, reversed once per process: a reverse() costs as much as the
# rest of the navigation.
PAGE_URLS = ("home", "search", "rss", "atom", "sitemap_index", "login", "signup", "profile", "replies",
             "logout")


@lru_cache(maxsize=8)
def page_urls(script_prefix, urlconf):
    return {name: reverse(name, urlconf=urlconf) for name in PAGE_URLS}


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "nav_sections": SECTIONS.objects,
        "urls": page_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF),
    }


def reader(request):
    """What the header shows a signed-in reader about them: unread replies. A callable, so
    the query runs only where a template shows it; anonymous pages (the same for everyone,
    cached whole) get nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_replies": partial(replies.unread_label, user)}
