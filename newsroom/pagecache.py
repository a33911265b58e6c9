"""Public pages answered from versions: 304s without rendering, a whole-page cache for
anonymous readers, and headers that let shared caches (nginx, a CDN) keep them.

A view opts in with ``public(view, validator, whole_page=...)`` in the URLconf. The validator
reads, in one or two small queries, the versions the page depends on (comments/versions.py,
newsroom/versions.py) and returns an ``ETag`` and a ``Last-Modified``, or None when the page
does not exist (the view then answers 404 as usual). For an anonymous GET, PublicPages then:

1. answers 304 Not Modified when the reader's copy carries the current validator, without
   running the view;
2. with ``whole_page``, answers from the default cache (Redis when REDIS_URL is set) under a
   key made of the page's address and its ETag, so a write (which moves the version) makes
   the very next request render afresh, in every worker and on every server (each process
   also keeps its last few pages in memory: a key never names two different pages);
3. otherwise renders, stores the page, and marks it ``Cache-Control: public, max-age=0,
   s-maxage=PUBLIC_CACHE_SECONDS, stale-while-revalidate, stale-if-error``, without
   ``Vary: Cookie`` (the page is the same whatever cookies an anonymous reader carries).

PublicPages is the first middleware (after newsroom.replicas.ReadFromReplicas, which only
chooses the database this request reads from): a 304 or a cached page costs the validator's
query and nothing else (no session, CSRF, messages or policy work). A stored page keeps every header
the middleware below gave it (the Content-Security-Policy, the security headers), so a cached
copy carries what the rendered page did. A request the security middleware would redirect to
HTTPS is left to it.

Personal requests (a session cookie, so a signed-in reader, or pending messages) never get a
304 from versions, never read or write the page cache, and are marked ``private, no-cache``.
A response that sets a cookie (a CSRF token, a session) is never stored or made public. If the
cache is away, pages render as if it were empty. Pages without a validator keep Django's
body-hash ETag (ConditionalGetMiddleware), the best there is for them.
"""

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router
from django.db.models import Subquery
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.http import ConditionalGetMiddleware
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from comments.models import Comment
from newsroom import front
from newsroom.models import Article, SiteVersion, accepts_comments, comments_close_at
from newsroom.prepared import PreparedQuery
from newsroom.release import RELEASE, digest

logger = logging.getLogger(__name__)

# A session (so, perhaps, a signed-in reader) or messages waiting to be shown.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)
LOCAL_PAGES = 64  # pages each process keeps in its own memory too (~64 KB each)


def release():
    # A development server keeps running while its templates are edited: read them again.
    return digest() if settings.DEBUG else RELEASE


@dataclass(frozen=True)
class Validator:
    etag: str  # quoted, as sent
    last_modified: object  # an aware datetime, or None
    # Whether the front (newsroom/front.py) may keep it between writes: only a validator
    # that knows when time alone would change it (until: that moment, or None for never).
    keepable: bool = False
    until: object = None

    @classmethod
    def of(cls, kind, parts, times, **keeping):
        times = [moment for moment in times if moment is not None]
        return cls(f'"{kind}.{release()}.{".".join(str(part) for part in parts)}"',
                   max(times) if times else None, **keeping)


def site_version():
    return SiteVersion.objects.values_list("number", "changed_at").first() or (0, None)


def site_columns():
    """The site version as columns of the query a validator makes anyway (site, site_at);
    an uncorrelated subquery runs once. No row yet: None (version 0)."""
    row = SiteVersion.objects.order_by("pk")
    return {"site": Subquery(row.values("number")[:1]),
            "site_at": Subquery(row.values("changed_at")[:1])}


DISCUSSION = ("discussion_version", "discussion_changed_at", "updated_at", "status",
              "published_at", "comments_closed", "comments_close_after_days", "backlog_closed")


def discussion_validator(kind, values):
    """From an article's DISCUSSION values (and site, site_at): the discussion page's
    validator. Whether comments are open changes with time alone (closing after N days)."""
    accepts = accepts_comments(values["status"], values["published_at"],
                               values["comments_closed"] or values["backlog_closed"],
                               values["comments_close_after_days"])
    return Validator.of(
        kind,
        [values["pk"], values["discussion_version"], values["site"] or 0, int(accepts)],
        [values["discussion_changed_at"], values["updated_at"], values["site_at"], values["published_at"]],
        # Time alone changes it once: when an open discussion closes (only published
        # articles are read, and they stay published until a write).
        keepable=True,
        until=comments_close_at(values["published_at"], values["comments_close_after_days"]) if accepts else None,
    )


ARTICLE = PreparedQuery(
    lambda slug, now: Article.objects.published(now).filter(slug=slug).order_by().annotate(**site_columns())
    .values("pk", "site", "site_at", *DISCUSSION)[:1],
    slug=str, now=datetime,
)


def article_page(year, month, day, slug):
    values = ARTICLE.first(slug=slug, now=timezone.now())
    if values is None:
        return None
    try:
        if timezone.localtime(values["published_at"]).date() != date(int(year), int(month), int(day)):
            return None  # the view answers 404 itself
    except ValueError:  # 2021/02/31
        return None
    return discussion_validator("a", values)


COMMENT = PreparedQuery(
    lambda pk, now: Comment.objects.filter(pk=pk, article__in=Article.objects.published(now))
    .order_by().annotate(**site_columns())
    .values("article_id", "site", "site_at", *(f"article__{name}" for name in DISCUSSION))[:1],
    pk=int, now=datetime,
)


def comment_page(pk):
    values = COMMENT.first(pk=pk, now=timezone.now())
    if values is None:
        return None
    values = {name.removeprefix("article__"): value for name, value in values.items()}
    return discussion_validator("c", {**values, "pk": values["article_id"]})


def article_discussion(kind, article_id):
    values = (Article.objects.published().filter(pk=article_id).order_by().annotate(**site_columns())
              .values("pk", "site", "site_at", *DISCUSSION).first())
    return None if values is None else discussion_validator(kind, values)


def article_comments(article_id):
    """An article's comments feed: the discussion's versions, as its page has them."""
    return article_discussion("f", article_id)


def discussion_activity(article_id):
    """The count an open page polls for its "N new comments" (comments.views.activity)."""
    return article_discussion("n", article_id)


def newest_count_change(now):
    counted = Article.objects.published(now).filter(comment_count_changed_at__isnull=False)
    return Subquery(counted.order_by("-comment_count_changed_at").values("comment_count_changed_at")[:1])


LISTS = PreparedQuery(
    # The newest published article, with the newest count change and the site version.
    lambda now: Article.objects.published(now).order_by("-published_at", "-pk")
    .annotate(counted=newest_count_change(now), **site_columns())
    .values("published_at", "counted", "site", "site_at")[:1],
    now=datetime,
)


def article_lists(**_):
    """Front, section, tag, author and archive pages and feeds: they show published articles
    (the newest publication time moves when a scheduled one goes live), their comment counts,
    and the site's sections, tags and authors."""
    newest = LISTS.first(now=timezone.now())
    if newest is None:  # nothing published yet
        site, site_at = site_version()
        newest = {"published_at": None, "counted": None, "site": site, "site_at": site_at}
    stamps = [moment.timestamp() if moment else 0 for moment in (newest["published_at"], newest["counted"])]
    return Validator.of("l", [newest["site"] or 0, *(f"{stamp:.6f}" for stamp in stamps)],
                        [newest["published_at"], newest["counted"], newest["site_at"]])


@dataclass(frozen=True)
class PublicPage:
    validator: object
    whole_page: bool


def public(view, validator, *, whole_page=False):
    """Mark a view's page as public: PublicPages validates it before it runs."""
    view.public_page = PublicPage(validator, whole_page)
    return view


@lru_cache(maxsize=1024)
def public_route(path, urlconf):
    """(PublicPage, the view's arguments) for an address, or (None, ...): resolved once per
    address (a few hundred in use at a time; resolving costs a tenth of a cached page)."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None, None
    return getattr(match.func, "public_page", None), match.kwargs


def personal(request):
    return any(name in request.COOKIES for name in PERSONAL_COOKIES)


def public_cache_control(response):
    patch_cache_control(
        response, public=True, max_age=0, s_maxage=settings.PUBLIC_CACHE_SECONDS,
        stale_while_revalidate=settings.PUBLIC_CACHE_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.PUBLIC_CACHE_STALE_IF_ERROR,
    )


def private_cache_control(response):
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_cache=True)


def without_cookie_in_vary(response):
    if response.has_header("Vary"):
        kept = [part.strip() for part in response["Vary"].split(",")
                if part.strip() and part.strip().lower() != "cookie"]
        if kept:
            response["Vary"] = ", ".join(kept)
        else:
            del response["Vary"]


def page_key(address, etag):
    """A page's key: its address (front.address: the same for keeping and finding) and ETag."""
    hashed = hashlib.blake2b(f"{address}\0{etag}".encode(), digest_size=16).hexdigest()
    return f"page:{hashed}"


class LocalPages:
    """The last few pages this process served, in front of the shared cache: a key names
    one version of one page, so a copy can never go stale, and a hit costs no round trip."""

    def __init__(self, size):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def clear(self):
        with self.lock:
            self.pages.clear()

    def put(self, key, page):
        with self.lock:
            self.pages[key] = page
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


local_pages = LocalPages(LOCAL_PAGES)


def stored_page(key):
    """(content, headers) kept under key, from this process or the shared cache, or None."""
    stored = local_pages.get(key)
    if stored is None:
        try:
            stored = cache.get(key)
        except Exception:  # the cache being away costs a render, never the page
            logger.warning("page cache unavailable for reading", exc_info=True)
            return None
        if stored is None:
            return None
        local_pages.put(key, stored)
    return stored


def cached_page(key):
    stored = stored_page(key)
    if stored is None:
        return None
    content, headers = stored
    return HttpResponse(content, headers=headers)


def keep_page(key, response):
    stored = (response.content, list(response.items()))
    local_pages.put(key, stored)
    try:
        cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache unavailable for writing", exc_info=True)


def shareable(request, response):
    """Only a complete page that knows nobody may be kept for everybody."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies  # a CSRF token or a session was handed out
        and not getattr(request, "user", AnonymousUser).is_authenticated
    )


class PublicPages:
    """See the module docstring. Place it first in MIDDLEWARE (after the replicas' choice)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.body_etag = ConditionalGetMiddleware(get_response)

    def __call__(self, request):
        page, kwargs = self.public_page(request)
        if (page is None or personal(request) or request.method not in ("GET", "HEAD")
                or (settings.SECURE_SSL_REDIRECT and not request.is_secure())):
            response = self.get_response(request)
            if personal(request):
                private_cache_control(response)
            return self.body_etag.process_response(request, response)
        try:
            validator = page.validator(**kwargs)
        except DatabaseError:  # the view meets the same outage and answers as it does
            validator = None
        if validator is None:
            return self.get_response(request)
        self.keep_for_the_front(request, validator)
        not_modified = get_conditional_response(
            request, etag=validator.etag,
            last_modified=validator.last_modified and int(validator.last_modified.timestamp()),
        )
        if not_modified is not None:  # 304, or 412 for a failed If-Match
            return self.with_validator(not_modified, validator)
        key = page_key(front.address(request.META), validator.etag) if page.whole_page and settings.PAGE_CACHE_SECONDS else None
        response = key and cached_page(key)
        if response:
            return response
        response = self.get_response(request)
        if not shareable(request, response):
            private_cache_control(response)
            return response
        self.with_validator(response, validator)
        if key:
            keep_page(key, response)
        return response

    @staticmethod
    def public_page(request):
        return public_route(request.path_info, get_urlconf() or settings.ROOT_URLCONF)

    @staticmethod
    def with_validator(response, validator):
        response["ETag"] = validator.etag
        if validator.last_modified:
            response["Last-Modified"] = http_date(validator.last_modified.timestamp())
        public_cache_control(response)
        without_cookie_in_vary(response)
        return response

    @staticmethod
    def keep_for_the_front(request, validator):
        """Keep the validator for the front, under the generation it read before this
        request read the database, if that database is the primary (see newsroom/front.py)."""
        generation = request.META.get(front.SEEN)
        if generation is not None and validator.keepable and router.db_for_read(Article) == DEFAULT_DB_ALIAS:
            front.keep_validator(request.path_info, generation, validator)


def validator_headers(etag, last_modified):
    """The headers of the 304 PublicPages answers (for the front's own 304s)."""
    return list(headers_of_304(etag, last_modified, settings.PUBLIC_CACHE_SECONDS,
                               settings.PUBLIC_CACHE_STALE_WHILE_REVALIDATE, settings.PUBLIC_CACHE_STALE_IF_ERROR))


@lru_cache(maxsize=256)
def headers_of_304(etag, last_modified, *cache_settings):
    """Made once per validator (and the settings they read): a response costs more than a 304."""
    return tuple(PublicPages.with_validator(HttpResponseNotModified(), Validator(etag, last_modified)).items())
