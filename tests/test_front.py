"""The front (newsroom/front.py): an anonymous reader's cached page or 304 answered from Redis
before Django runs, with the very same headers, without the database, and never stale after
a write: a new comment is on the next anonymous request, in this process and in another."""

import pytest
import redis
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from newsroom import front, serving
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db(transaction=True)  # writes commit: the generation moves


@pytest.fixture
def redis_cache(settings, redis_server):
    settings.CACHES = redis_server.cache_settings()
    return redis_server


class Site:
    """The site's WSGI application as gunicorn runs it, counting what reaches Django."""

    def __init__(self):
        self.django = WSGIHandler()
        self.reached_django = 0
        self.application = front.Front(self.counting)

    def counting(self, environ, start_response):
        self.reached_django += 1
        return self.django(environ, start_response)

    def get(self, path, method="GET", **headers):
        environ = RequestFactory().generic(method, path, headers=headers).environ
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=int(status.split()[0]), headers=headers)

        with CaptureQueriesContext(connection) as queries:
            body = b"".join(self.application(environ, start_response))
        return answer["status"], answer["headers"], body.decode(), len(queries)


@pytest.fixture
def site(redis_cache):
    return Site()


@pytest.fixture
def article():
    article = ArticleFactory(headline="The big story")
    make_comment(article, author=UserFactory(display_name="Early Bird"), body="First words")
    return article


def served_by_the_front(site, path, **headers):
    before = site.reached_django
    answer = site.get(path, **headers)
    assert site.reached_django == before, "Django answered"
    return answer


def test_a_cached_page_and_its_304_come_without_django_or_the_database_with_the_same_headers(site, article):
    url = article.get_absolute_url()
    status, rendered_headers, rendered, _ = site.get(url)  # rendered, kept, validator kept
    assert status == 200 and "First words" in rendered
    status, headers, body, queries = served_by_the_front(site, url)
    assert (status, headers, body, queries) == (200, rendered_headers, rendered, 0)
    assert {"Content-Security-Policy", "X-Content-Type-Options", "ETag", "Last-Modified",
            "Cache-Control"} <= {name for name, _ in headers}

    etag = dict(headers)["ETag"]
    status, headers, body, queries = served_by_the_front(site, url, if_none_match=etag)
    assert (status, body, queries) == (304, "", 0)
    django_304 = site.django(RequestFactory().get(url, headers={"if-none-match": etag}).environ,
                             lambda status, headers: None)
    assert headers == list(django_304.items())
    since = dict(rendered_headers)["Last-Modified"]
    assert served_by_the_front(site, url, if_modified_since=since)[0] == 304
    status, headers, body, _ = served_by_the_front(site, url, method="HEAD")
    assert (status, headers, body) == (200, rendered_headers, "")


def test_a_write_is_on_the_very_next_anonymous_request(site, article, settings):
    settings.PUBLIC_CACHE_SECONDS = 600  # so that only the write can make the page change
    url = article.get_absolute_url()
    site.get(url)
    etag = dict(served_by_the_front(site, url)[1])["ETag"]
    make_comment(article, author=UserFactory(display_name="Late Comer"), body="Breaking words")
    status, headers, body, _ = site.get(url)
    assert status == 200 and "Breaking words" in body
    assert site.get(url, if_none_match=etag)[0] == 200
    served_by_the_front(site, url)  # kept again for the next reader


def test_signed_in_readers_and_unusual_requests_reach_django(site, article):
    url = article.get_absolute_url()
    site.get(url)
    served_by_the_front(site, url)
    before = site.reached_django
    _, headers, _, _ = site.get(url, cookie="sessionid=someone")
    assert "private" in dict(headers)["Cache-Control"]
    site.get(url, cookie="messages=waiting")
    site.get(url, if_match='"anything"')
    site.get(url, method="POST")
    assert site.reached_django == before + 4


def test_without_redis_django_answers_as_before(site, article, redis_cache):
    url = article.get_absolute_url()
    site.get(url)
    served_by_the_front(site, url)
    redis_cache.stop()
    before = site.reached_django
    status, _, body, _ = site.get(url)
    assert status == 200 and "First words" in body and site.reached_django == before + 1


def test_another_process_sees_a_write_at_once(redis_cache, article, settings):
    """gunicorn (two workers, the front in each) on the test's database and Redis, with
    validators kept for ten minutes: only the write's generation can make them change."""
    if connection.vendor != "postgresql":
        pytest.skip("another process cannot open SQLite's in-memory test database")
    settings.PUBLIC_CACHE_SECONDS = 600
    url = article.get_absolute_url()
    environment = {"DJANGO_SETTINGS_MODULE": "comments.bench_settings", "REDIS_URL": redis_cache.url,
                   "DATABASE_URL": serving.database_url(connection.settings_dict),
                   "PUBLIC_CACHE_SECONDS": "600"}
    with serving.gunicorn(workers=2, environment=environment) as (port, _):
        for _ in range(6):  # both workers keep the page
            status, _, body = serving.fetch(port, url)
            assert status == 200 and b"First words" in body
        assert redis.Redis.from_url(redis_cache.url).keys("*front:validator:*")  # kept for 10 min
        make_comment(article, author=UserFactory(display_name="Late Comer"), body="Breaking words")
        for _ in range(6):
            status, _, body = serving.fetch(port, url)
            assert status == 200 and b"Breaking words" in body
