"""Public pages answered from versions (newsroom/pagecache.py): 304s without rendering, the
whole-page cache for anonymous readers, Cache-Control for shared caches, and the guarantees
that every public write shows on the very next anonymous request and that nothing personal
ever reaches a cached page."""

import re
import socket

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from comments import actions, moderation
from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def article():
    return ArticleFactory(headline="The big story")


@pytest.fixture
def writer():
    return UserFactory(display_name="Writer Person")


@pytest.fixture
def thread(article, writer):
    root = make_comment(article, author=UserFactory(display_name="Root Person"), body="Root words")
    reply = make_comment(parent=root, author=writer, body="Reply words")
    return root, reply


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    response.queries = len(queries)
    return response


def text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_anonymous_pages_say_how_shared_caches_may_keep_them(client, article, thread, settings):
    settings.PUBLIC_CACHE_SECONDS = 7
    for url in (article.get_absolute_url(), f"/comments/{thread[0].pk}/", "/", "/feeds/rss/",
                f"/section/{article.section.slug}/", "/feeds/atom/"):
        response = client.get(url)
        assert response.status_code == 200, url
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=0", "s-maxage=7"} <= control, url
        assert any(part.startswith("stale-while-revalidate=") for part in control)
        assert any(part.startswith("stale-if-error=") for part in control)
        assert "cookie" not in response.get("Vary", "").lower(), url
        assert not response.cookies, url
        assert response["ETag"].startswith('"') and response["Last-Modified"]


def test_a_revalidation_answers_304_from_one_query_without_rendering(client, article, thread):
    for url in (article.get_absolute_url(), f"/comments/{thread[0].pk}/", "/", "/feeds/rss/"):
        first = client.get(url)
        again = get(client, url, if_none_match=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.queries == 1, url
        assert again["ETag"] == first["ETag"]
        assert "public" in again["Cache-Control"]
        since = get(client, url, if_modified_since=first["Last-Modified"])
        assert since.status_code == 304, url


def test_the_second_anonymous_reader_gets_the_cached_page(article, thread):
    url = article.get_absolute_url()
    first = get(Client(), url)
    second = get(Client(), url)
    assert second.content == first.content
    assert second.queries == 1  # the version only: no rendering
    assert first.queries > 1
    # Sorts and pages are pages of their own.
    newest = get(Client(), url + "?sort=newest")
    assert newest.queries > 1
    assert 'aria-current="true">Newest' in text(newest)


def test_a_cached_page_carries_the_policy_and_security_headers_of_the_rendered_one(article, thread):
    # The page cache answers before the policy and security middleware run: what they gave
    # the rendered page must come back with every copy of it.
    for url in (article.get_absolute_url(), f"/comments/{thread[0].pk}/", "/"):
        rendered = get(Client(), url)
        cached = get(Client(), url)
        assert cached.queries == 1, url
        for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                       "Referrer-Policy", "Cross-Origin-Opener-Policy"):
            assert cached[header] == rendered[header], (url, header)
        assert "default-src 'self'" in cached["Content-Security-Policy"]


def test_a_reader_sent_to_https_is_sent_there_before_any_cached_page_or_304(article, thread, settings):
    settings.SECURE_SSL_REDIRECT = True
    url = article.get_absolute_url()
    Client().get(url, secure=True)
    cached = Client().get(url, secure=True)
    assert cached.status_code == 200
    for headers in ({}, {"if-none-match": cached["ETag"]}):
        response = Client().get(url, headers=headers)
        assert response.status_code == 301 and response["Location"].startswith("https://"), headers


def test_front_page_and_comment_page_are_cached_too(article, thread):
    for url in ("/", f"/comments/{thread[0].pk}/"):
        get(Client(), url)
        assert get(Client(), url).queries == 1, url


def test_signed_in_readers_never_get_or_leave_a_cached_page(client, article, thread, writer):
    url = article.get_absolute_url()
    anonymous = Client().get(url)
    client.force_login(writer)
    mine = client.get(url, headers={"if-none-match": anonymous["ETag"]})
    html = text(mine)
    assert "Writer Person" in html and "csrfmiddlewaretoken" in html  # their own page
    assert {part.strip() for part in mine["Cache-Control"].split(",")} == {"private", "no-cache"}
    assert mine.get("ETag") != anonymous["ETag"]
    # What the signed-in reader saw was not kept for the next anonymous reader.
    after = text(Client().get(url))
    assert "csrfmiddlewaretoken" not in after and "Sign out" not in after
    assert after == anonymous.content.decode()


def test_a_cached_page_never_carries_a_token_a_cookie_or_a_name(article, thread, writer):
    reader = Client()
    reader.force_login(writer)
    for url in (article.get_absolute_url(), f"/comments/{thread[0].pk}/", "/"):
        reader.get(url)  # a signed-in request first: it must leave nothing behind
        for response in (Client().get(url), Client().get(url)):
            html = text(response)
            assert "csrfmiddlewaretoken" not in html and "Sign out" not in html, url
            assert not response.cookies, url


def test_a_reader_with_a_message_waiting_is_neither_served_nor_cached(client, article, thread, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    url = article.get_absolute_url()
    Client().get(url)  # cached
    response = client.post(f"/comments/article/{article.pk}/",
                           {"body": "A guest's words", "guest_name": "Guest Reader"})
    assert response.status_code == 302
    page = client.get(url)
    assert "once a moderator has approved it" in text(page)
    assert "private" in page["Cache-Control"]
    assert "once a moderator has approved it" not in text(Client().get(url))


def test_pages_render_when_the_cache_is_away(client, article, thread):
    with socket.socket() as probe:  # a port where no Redis listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    with override_settings(CACHES=away):
        assert "Root words" in text(client.get(article.get_absolute_url()))
        assert "Root words" in text(client.get(f"/comments/{thread[0].pk}/"))
        assert "The big story" in text(client.get("/"))


def test_a_missing_article_is_not_answered_from_versions(client, article):
    url = article.get_absolute_url()
    assert client.get(url.replace(article.slug, "no-such-story")).status_code == 404
    wrong_day = re.sub(r"/\d\d/([^/]+)/$", r"/31/\1/", url).replace("/02/31/", "/02/30/")
    assert client.get(wrong_day).status_code in (404, 200)
    assert client.get("/2021/02/30/whatever/").status_code == 404


# Every public write shows on the very next anonymous request of every page that shows it.

def pages(article, root):
    return {
        "article": article.get_absolute_url(),
        "comment page": f"/comments/{root.pk}/",
        "front": "/",
        "feed": "/feeds/rss/",
    }


def warm(urls):
    """Read every page twice as an anonymous reader: the second read comes from the cache."""
    for url in urls.values():
        Client().get(url)
        Client().get(url)


def shown(urls):
    return {name: text(Client().get(url)) for name, url in urls.items()}


def count_shown(html, name):
    if name == "feed":
        return int(re.search(r"<slash:comments>(\d+)</slash:comments>", html).group(1))
    return int(re.search(r"(\d+) comments?\b", html).group(1))


def test_a_new_reply_is_on_the_next_anonymous_request_everywhere(article, thread):
    root, reply = thread
    urls = pages(article, root)
    warm(urls)
    before = shown(urls)
    make_comment(parent=reply, author=UserFactory(), body="Brand new words")
    after = shown(urls)
    assert "Brand new words" in after["article"] and "Brand new words" in after["comment page"]
    for name in ("front", "feed", "article"):
        assert count_shown(after[name], name) == count_shown(before[name], name) + 1, name


WRITES = {
    # name: (what to do, the words that must disappear (-) or appear (+), count change)
    "edit": (lambda reply, writer, mod: actions.edit_comment(reply, writer, "Better words"), "+Better words", 0),
    "delete": (lambda reply, writer, mod: actions.delete_comment(reply, writer), "-Reply words", -1),
    "remove": (lambda reply, writer, mod: moderation.decide(reply, "remove", mod, reason="spam"), "-Reply words", -1),
    "spam": (lambda reply, writer, mod: moderation.decide(reply, "spam", mod), "-Reply words", -1),
    "hide after flags": (lambda reply, writer, mod: [moderation.flag(reply, UserFactory(), "abuse")
                                                     for _ in range(3)], "-Reply words", -1),
    "recommend": (lambda reply, writer, mod: actions.recommend(reply, UserFactory()), '+<span>1 <i aria-hidden="true">♥</i><b>recommendation</b></span>', 0),
    "lock": (lambda reply, writer, mod: moderation.set_replies_locked(reply, True, mod),
             "-/comments/{pk}/reply/", 0),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_is_on_the_next_anonymous_request_everywhere(article, thread, writer, write):
    do, words, change = write
    root, reply = thread
    mod = moderator()
    urls = pages(article, root)
    warm(urls)
    before = shown(urls)
    do(reply, writer, mod)
    after = shown(urls)
    sign, words = words[0], words[1:].format(pk=reply.pk)
    for name in ("article", "comment page"):
        if sign == "+":
            assert words not in before[name] and words in after[name], name
        else:
            assert words in before[name] and words not in after[name], name
    for name in ("front", "feed", "article"):
        assert count_shown(after[name], name) == count_shown(before[name], name) + change, name


@pytest.mark.parametrize("decision", ["approve", "restore"])
def test_a_comment_a_moderator_lets_through_is_on_the_next_anonymous_request(article, thread, decision):
    root, reply = thread
    mod = moderator()
    held = make_comment(parent=root, author=UserFactory(), body="Held words",
                        status=S.PENDING if decision == "approve" else S.PUBLISHED)
    if decision == "restore":
        moderation.decide(held, "remove", mod, reason="spam")
    urls = pages(article, root)
    warm(urls)
    before = shown(urls)
    assert "Held words" not in before["article"]
    moderation.decide(held, decision, mod)
    after = shown(urls)
    assert "Held words" in after["article"] and "Held words" in after["comment page"]
    for name in ("front", "feed"):
        assert count_shown(after[name], name) == count_shown(before[name], name) + 1, name


def test_an_article_edit_is_on_the_next_anonymous_request(article, thread):
    urls = pages(article, thread[0])
    warm(urls)
    article.headline = "A better headline"
    article.save()
    for name, html in shown(urls).items():
        assert "A better headline" in html, name


def test_a_renamed_commenter_is_on_the_next_anonymous_request(
    article, thread, writer, django_capture_on_commit_callbacks
):
    urls = pages(article, thread[0])
    warm(urls)
    with django_capture_on_commit_callbacks(execute=True):
        writer.display_name = "Renamed Person"
        writer.save()
    after = shown(urls)
    assert "Renamed Person" in after["article"] and "Renamed Person" in after["comment page"]
