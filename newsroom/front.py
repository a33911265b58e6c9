"""The front of the site (newsroom/wsgi.py): an anonymous reader's cached page or 304 answered
from the shared cache in one round trip, before Django's handler and middleware run.

A cached page or a 304 is the same for every anonymous reader, so what it costs is what
limits a big story's crowd. Through Django it cost the handler, the middleware, a request
object and the validator's query (with the connection's health check), about five times
gunicorn's own work per request. Here it costs one MGET to Redis, and no database at all.

How the front knows a page is still current without the database
- Every write that moves a version (comments/versions.py, newsroom/versions.py) calls
  ``versions_moved()``, which, once the transaction has committed, increments one counter in
  the shared cache: the *generation*.
- When a public page's validator has been read from the database (newsroom/pagecache.py,
  under Django) it is kept in the shared cache beside the page's path, with the generation
  the front read *before* the database was read. The front trusts a kept validator only
  while the generation is still the one it was read under: any commit since moved the
  generation, and the next request reads the database again. Generation and validator come
  back from the same MGET.
- So a write is on the very next request in every worker and on every server: the writer's
  response is sent after its commit and the increment, and every request that starts after
  that reads the new generation.
- A validator is kept for PUBLIC_CACHE_SECONDS at most, and never past the moment its page
  changes with time alone (a discussion closing after N days): an increment that fails
  (Redis blinking at the moment of a commit) leaves an old validator in use no longer than a
  shared cache in front may keep the page anyway (``s-maxage``). Only validators that can
  say when time alone changes them are kept (the discussions': article, comment page, the
  comments feed); the lists' (front page, sections) are read from the database each time.
- A validator read from a replica is never kept: the replica may be behind the generation
  (newsroom/replicas.py); with replicas, every request reads its validator there, as before.
- A new generation starts from the clock (nanoseconds), never from 1: if Redis loses the
  counter (restarted, evicted), it can never come back to a number old validators carry.
- The key carries the release, so app servers running two releases during a deploy never
  use each other's validators.

What the front answers, and the rest it leaves to Django
- Only with a shared cache (Redis: REDIS_URL); without one, every request goes to Django.
- Only GET and HEAD, without a session or messages cookie, for a public page's address,
  when DEBUG is off, the host is allowed and no redirect to HTTPS is due.
- A 304 when the reader's If-None-Match (or, without it, If-Modified-Since) matches the kept
  validator, with the headers Django's 304 carries (``validator_headers``).
- A 200 with the page kept for that address and ETag (the same bytes and headers the
  rendered page had, newsroom/pagecache.py); HEAD without the body.
- Anything else (If-Match, a miss, the cache away or failing) goes to Django untouched, with
  the generation it read, so the page rendered there is kept for the next reader.
"""

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.handlers.wsgi import get_path_info
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http.request import split_domain_port, validate_host
from django.utils.http import parse_etags, parse_http_date_safe

from newsroom.release import RELEASE

logger = logging.getLogger(__name__)

GENERATION = "front:generation"
SEEN = "newsroom.front.generation"  # the environ key: the generation read before Django ran
READING = frozenset({"GET", "HEAD"})
LEFT_TO_DJANGO = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")  # rare: Django answers them


@dataclass(frozen=True)
class Conditions:
    """The settings the front reads for every request, read once: each read of Django's lazy
    settings object costs about a microsecond, and the front, which answers a cached page in
    well under a tenth of a millisecond, read a dozen."""

    debug: bool
    ssl_redirect: bool
    proxy_ssl_header: tuple | None
    forwarded_host: bool
    whole_pages: bool  # PAGE_CACHE_SECONDS
    # The cache every process and server sees (Redis), or None: a counter in each process's
    # memory would not tell one worker of another's write. Kept here, as the cache handler's
    # per-thread lookup costs a few microseconds too; Redis's client is safe to share
    # between threads.
    cache: RedisCache | None


@lru_cache(maxsize=1)
def conditions():
    default = caches["default"]
    return Conditions(
        debug=settings.DEBUG, ssl_redirect=settings.SECURE_SSL_REDIRECT,
        proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER, forwarded_host=settings.USE_X_FORWARDED_HOST,
        whole_pages=bool(settings.PAGE_CACHE_SECONDS),
        cache=default if isinstance(default, RedisCache) else None,
    )


@receiver(setting_changed)
def read_settings_again(**_):
    """Settings change in tests (override_settings): read them again when next needed."""
    conditions.cache_clear()
    allowed_host.cache_clear()


def validator_key(path):
    return f"front:validator:{RELEASE}:{path}"


def versions_moved():
    """A version moved in this transaction: move the generation once it has committed."""
    transaction.on_commit(next_generation, robust=True)


def next_generation():
    try:
        cache.incr(GENERATION)
    except ValueError:  # no counter yet (a new or emptied Redis), or Redis away
        if not cache.add(GENERATION, time.time_ns(), None):
            try:
                cache.incr(GENERATION)
            except ValueError:
                logger.warning("the pages' generation could not be moved: Redis is away")


def keep_validator(path, generation, validator):
    """Keep a validator read from the primary under the generation read before it."""
    now = time.time()
    until = now + settings.PUBLIC_CACHE_SECONDS
    if validator.until is not None:
        until = min(until, validator.until.timestamp())
    if until <= now:
        return
    entry = (generation, validator.etag, validator.last_modified, until)
    try:
        cache.set(validator_key(path), entry, settings.PUBLIC_CACHE_SECONDS)
    except Exception:
        logger.warning("could not keep a validator", exc_info=True)


def scheme(environ):
    """The scheme Django's request.scheme would say (SECURE_PROXY_SSL_HEADER)."""
    proxy_ssl_header = conditions().proxy_ssl_header
    if proxy_ssl_header:
        header, secure = proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure else "http"
    return environ.get("wsgi.url_scheme", "http")


def raw_host(environ):
    if conditions().forwarded_host and "HTTP_X_FORWARDED_HOST" in environ:
        return environ["HTTP_X_FORWARDED_HOST"]
    if "HTTP_HOST" in environ:
        return environ["HTTP_HOST"]
    return f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"


@lru_cache(maxsize=256)
def allowed_host(host):
    """Django's own check (request.get_host), remembered per host."""
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def address(environ):
    """What a cached page is kept under, besides its ETag: the request's scheme, host, path
    and query, as sent (the same function for keeping and for finding)."""
    query = environ.get("QUERY_STRING", "")
    return f"{scheme(environ)}://{raw_host(environ)}{environ.get('SCRIPT_NAME', '')}" \
           f"{environ.get('PATH_INFO', '')}{'?' if query else ''}{query}"


def not_modified(environ, etag, last_modified):
    """Django's answer to If-None-Match / If-Modified-Since for a GET or HEAD (see
    django.utils.cache.get_conditional_response), for requests without If-Match."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        etags = parse_etags(if_none_match)
        return "*" in etags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in etags}
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since is None:
        return False
    since = parse_http_date_safe(if_modified_since)
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since


class Front:
    """The WSGI application in front of Django's (see the module docstring)."""

    def __init__(self, django):
        from newsroom import pagecache  # needs the apps loaded, as Django's handler does

        self.django, self.pagecache = django, pagecache
        self.urlconf = settings.ROOT_URLCONF
        self.personal = tuple(f"{name}=" for name in pagecache.PERSONAL_COOKIES)

    def __call__(self, environ, start_response):
        try:
            answer = self.answer(environ)
        except Exception:  # the front is a shortcut: Django answers whatever it cannot
            logger.warning("the front could not answer; Django does", exc_info=True)
            answer = None
        if answer is None:
            return self.django(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def answer(self, environ):
        given = conditions()
        if (given.debug or given.cache is None or environ.get("REQUEST_METHOD") not in READING
                or any(name in environ.get("HTTP_COOKIE", "") for name in self.personal)
                or any(header in environ for header in LEFT_TO_DJANGO)):
            return None
        path = get_path_info(environ)
        page, _ = self.pagecache.public_route(path, self.urlconf)
        if page is None or (given.ssl_redirect and scheme(environ) != "https"):
            return None
        if not allowed_host(raw_host(environ)):
            return None  # Django answers 400
        found = given.cache.get_many([GENERATION, validator_key(path)])
        generation = found.get(GENERATION)
        if generation is None:  # no counter yet (if Redis is away, adding it fails too)
            given.cache.add(GENERATION, time.time_ns(), None)
            return None
        environ[SEEN] = generation
        entry = found.get(validator_key(path))
        if entry is None or entry[0] != generation or entry[3] <= time.time():
            return None
        _, etag, last_modified, _ = entry
        if not_modified(environ, etag, last_modified):
            return "304 Not Modified", self.pagecache.validator_headers(etag, last_modified), b""
        if not page.whole_page or not given.whole_pages:
            return None
        stored = self.pagecache.stored_page(self.pagecache.page_key(address(environ), etag))
        if stored is None:
            return None
        content, headers = stored
        return "200 OK", headers, b"" if environ["REQUEST_METHOD"] == "HEAD" else content
