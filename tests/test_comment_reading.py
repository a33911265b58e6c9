import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import moderation, thread
from comments.models import Comment
from newsroom.models import Article
from tests.factories import ArticleFactory, UserFactory, make_comment, make_discussion, moderator

pytestmark = pytest.mark.django_db


def page_html(client, article, **params):
    response = client.get(article.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def comment_ids(html):
    return [int(pk) for pk in re.findall(r'<li id="comment-(\d+)"', html)]


def test_replies_are_nested_under_the_comment_they_answer(client, article):
    root = make_comment(article, author=UserFactory(display_name="Ann"), body="Top level")
    reply = make_comment(parent=root, author=UserFactory(display_name="Ben"), body="Reply")
    deeper = make_comment(parent=reply, body="Guest reply")
    html = page_html(client, article)

    assert comment_ids(html) == [root.pk, reply.pk, deeper.pk]
    # The reply's <li> sits in a list of replies inside the root's <li>, and so on down.
    root_li = html.index(f'id="comment-{root.pk}"')
    reply_li = html.index(f'id="comment-{reply.pk}"')
    assert f'<ol><li id="comment-{reply.pk}"' in html and "</li>" not in html[root_li:reply_li]
    assert "Ann" in html and "Ben" in html and '<b><bdi>Guest</bdi></b>' in html
    assert f'href="/comments/{reply.pk}/reply/"' in html
    assert f'href="/comments/{deeper.pk}/">Link</a>' in html
    assert "3 comments" in html


def test_comment_shows_its_time_absolute_in_the_site_zone_and_its_edited_mark(client, article, settings):
    """The page says when, not "how long ago" (the script writes that in the browser), so it
    is the same bytes a minute later and can be cached."""
    settings.TIME_ZONE = "Europe/Paris"
    comment = make_comment(article, created_at=datetime(2021, 6, 1, 12, 5, 30, tzinfo=UTC))
    Comment.objects.filter(pk=comment.pk).update(edited_at=timezone.now())
    html = page_html(client, article)
    assert (f'<time datetime="2021-06-01T12:05Z">1 Jun 2021, 14:05</time> · '
            f'<a href="/comments/{comment.pk}/history/">edited</a>') in html
    assert " ago" not in html
    assert html == page_html(client, article)


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REMOVED,
                                    Comment.Status.SPAM, Comment.Status.DELETED])
def test_hidden_comments_without_replies_are_not_shown(client, article, status):
    make_comment(article, body="Visible words")
    make_comment(article, body="Hidden words", status=status)
    html = page_html(client, article)
    assert "Visible words" in html and "Hidden words" not in html
    assert "1 comment" in html


def test_removed_comment_with_replies_leaves_a_placeholder(client, article):
    root = make_comment(article, body="Nasty words")
    reply = make_comment(parent=root, body="A calm answer")
    Comment.objects.filter(pk=root.pk).update(status=Comment.Status.REMOVED)
    html = page_html(client, article)
    assert "Nasty words" not in html
    assert "This comment was removed by a moderator." in html
    assert "A calm answer" in html
    assert comment_ids(html) == [root.pk, reply.pk]


def test_threads_can_be_sorted_oldest_newest_and_best(client, article):
    now = timezone.now()
    first = make_comment(article, body="first", created_at=now - timedelta(hours=3))
    second = make_comment(article, body="second", created_at=now - timedelta(hours=2))
    third = make_comment(article, body="third", created_at=now - timedelta(hours=1))
    Comment.objects.filter(pk=second.pk).update(recommend_count=5)
    assert comment_ids(page_html(client, article)) == [first.pk, second.pk, third.pk]
    assert comment_ids(page_html(client, article, sort="newest")) == [third.pk, second.pk, first.pk]
    assert comment_ids(page_html(client, article, sort="best"))[0] == second.pk
    assert comment_ids(page_html(client, article, sort="nonsense")) == [first.pk, second.pk, third.pk]


def test_top_level_threads_are_paged_with_a_more_comments_link(client, article, settings):
    settings.COMMENTS_PER_PAGE = 2
    roots = [make_comment(article, body=f"root {n}") for n in range(5)]
    make_comment(parent=roots[0], body="reply comes with its thread")
    html = page_html(client, article)
    assert comment_ids(html)[:1] == [roots[0].pk]
    assert "reply comes with its thread" in html
    assert "More comments" in html and "page=2" in html
    assert comment_ids(page_html(client, article, page=3)) == [roots[4].pk]
    assert comment_ids(page_html(client, article, page=99)) == [roots[4].pk]  # the last page
    assert comment_ids(page_html(client, article, page="x"))[:1] == [roots[0].pk]
    # Hostile paging falls back to a real page instead of failing.
    for bad in ["99", "0", "x", "-1"]:
        assert client.get(article.get_absolute_url(), {"page": bad, "sort": bad}).status_code == 200


def test_deep_replies_continue_on_the_comments_own_page(client, article, settings):
    settings.COMMENTS_MAX_DEPTH = 3
    chain = [make_comment(article, body="level 0")]
    for level in range(1, 6):
        chain.append(make_comment(parent=chain[-1], body=f"level {level}"))
    html = page_html(client, article)
    assert "level 3" in html and "level 4" not in html
    assert f'href="/comments/{chain[3].pk}/">Continue this thread' in html

    own = client.get(f"/comments/{chain[3].pk}/").content.decode()
    assert "level 4" in own and "level 5" in own
    # The comments above it are shown for context.
    assert own.index("level 0") < own.index("level 3")


def deep_chain(article, statuses):
    """A chain of replies, one comment per level, each with the status given for its level."""
    chain = [make_comment(article, body="level 0", status=statuses[0])]
    for level, status in enumerate(statuses[1:], start=1):
        chain.append(make_comment(parent=chain[-1], body=f"level {level}", status=status))
    return chain


SHOWN, REMOVED = Comment.Status.PUBLISHED, Comment.Status.REMOVED


@pytest.mark.parametrize("limit_status", [SHOWN, REMOVED])
def test_no_continue_link_when_nothing_below_the_depth_limit_is_shown(client, article, settings, limit_status):
    """The page reads to the depth limit only: with every reply below it hidden, a link there
    would lead to a page with nothing more on it (a 404 when the comment at the limit is
    hidden itself)."""
    settings.COMMENTS_MAX_DEPTH = 3
    chain = deep_chain(article, [SHOWN, SHOWN, SHOWN, limit_status, REMOVED, REMOVED, Comment.Status.PENDING])
    shown_to = 4 if limit_status == SHOWN else 3
    html = page_html(client, article)
    assert "Continue this thread" not in html
    assert comment_ids(html) == [comment.pk for comment in chain[:shown_to]]
    # A comment's own page reads to the limit below it (level 4 here), and decides the same way.
    own = client.get(f"/comments/{chain[1].pk}/").content.decode()
    assert "Continue this thread" not in own
    assert comment_ids(own) == [comment.pk for comment in chain[1:shown_to]]

    # Moderators see the hidden replies on the comment's own page: for them it continues.
    client.force_login(moderator())
    html = page_html(client, article)
    assert f'href="/comments/{chain[3].pk}/">Continue this thread' in html
    assert "level 4" in client.get(f"/comments/{chain[3].pk}/").content.decode()


def test_continue_link_when_something_shown_is_below_hidden_replies(client, article, settings):
    settings.COMMENTS_MAX_DEPTH = 3
    chain = deep_chain(article, [SHOWN, SHOWN, SHOWN, REMOVED, REMOVED, SHOWN])
    html = page_html(client, article)
    assert f'href="/comments/{chain[3].pk}/">Continue this thread' in html
    response = client.get(f"/comments/{chain[3].pk}/")
    assert response.status_code == 200
    own = response.content.decode()
    assert "level 5" in own and comment_ids(own) == [chain[3].pk, chain[4].pk, chain[5].pk]


def test_comment_page_shows_ancestors_and_whole_subtree(client, article):
    root = make_comment(article, body="the root")
    middle = make_comment(parent=root, body="the middle")
    leaf = make_comment(parent=middle, body="the leaf")
    make_comment(article, body="another thread")
    html = client.get(f"/comments/{middle.pk}/").content.decode()
    assert "the root" in html and "the middle" in html and "the leaf" in html
    assert "another thread" not in html
    assert comment_ids(html) == [middle.pk, leaf.pk]


@pytest.mark.parametrize("url", ["/comments/999999/", "/comments/999999/reply/"])
def test_unknown_comments_are_404(client, url):
    assert client.get(url).status_code == 404


def test_comments_on_unpublished_articles_are_404(client):
    from newsroom.models import Article

    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    comment = make_comment(draft)
    assert client.get(f"/comments/{comment.pk}/").status_code == 404


def test_hidden_comment_without_shown_replies_has_no_page(client, article):
    comment = make_comment(article, status=Comment.Status.SPAM)
    assert client.get(f"/comments/{comment.pk}/").status_code == 404


def test_public_count_is_the_same_on_article_front_page_and_feeds(client, article):
    for _ in range(3):
        make_comment(article)
    make_comment(article, status=Comment.Status.PENDING)
    assert "3 comments" in page_html(client, article)
    assert "3 comments" in client.get("/").content.decode()
    assert b"<slash:comments>3</slash:comments>" in client.get("/feeds/rss/").content
    assert b"<slash:comments>3</slash:comments>" in client.get("/feeds/atom/").content


def test_anonymous_article_page_is_the_same_for_every_reader(client, article):
    make_comment(article)
    first = client.get(article.get_absolute_url())
    client.cookies.clear()
    second = client.get(article.get_absolute_url())
    assert first.content == second.content
    assert b"csrfmiddlewaretoken" not in first.content
    assert "Set-Cookie" not in first.headers


def test_saving_an_article_never_overwrites_its_comment_count(client, article):
    stale_copy = type(article).objects.get(pk=article.pk)
    make_comment(article)
    make_comment(article)
    stale_copy.headline = "Corrected headline"
    stale_copy.save()
    article.refresh_from_db()
    assert article.headline == "Corrected headline"
    assert article.comment_count == 2


def test_a_thread_with_nothing_left_to_show_takes_no_place_on_a_page(client, article, settings):
    """A removed top-level comment whose replies were all removed too shows nothing: it must
    not push a visible thread to the next page, nor count when the site works out which page
    a comment is on."""
    settings.COMMENTS_PER_PAGE = 2
    gone = make_comment(article, body="removed root")
    reply = make_comment(parent=gone, body="removed reply")
    second = make_comment(article, body="second thread")
    third = make_comment(article, body="third thread")
    for comment in (gone, reply):
        moderation.decide(comment, "remove", moderator(), reason="abuse")

    html = page_html(client, article)
    assert comment_ids(html) == [second.pk, third.pk]
    assert "More comments" not in html and "2 comments" in html
    response = client.get(f"/comments/{third.pk}/in-context/")
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{third.pk}"


def test_a_comment_is_found_on_the_page_its_thread_is_on(client, article, settings):
    """The in-context link counts the threads before the comment's that take a place: a
    thread whose root was removed counts while a reply in it is shown, and not once nothing
    in it is."""
    settings.COMMENTS_PER_PAGE = 2
    hidden_root = make_comment(article, body="removed root")
    shown_reply = make_comment(parent=hidden_root, body="a reply still shown")
    moderation.decide(hidden_root, "remove", moderator(), reason="abuse")
    second = make_comment(article, body="second thread")
    third = make_comment(article, body="third thread")
    deep = make_comment(parent=make_comment(parent=third, body="reply"), body="a reply's reply")

    def page_of(comment):
        response = client.get(f"/comments/{comment.pk}/in-context/")
        assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
        return response["Location"].split("#")[0].removeprefix(article.get_absolute_url())

    assert [page_of(c) for c in (shown_reply, second, third, deep)] == ["", "", "?page=2", "?page=2"]
    assert str(third.pk) in page_html(client, article, page=2)
    moderation.decide(shown_reply, "remove", moderator(), reason="abuse")
    assert [page_of(c) for c in (second, third, deep)] == ["", "", ""]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL")
def test_which_threads_take_a_place_is_asked_thread_by_thread(article):
    """PostgreSQL's plan for the threads of a page (and for the page a comment is on) asks
    each hidden root's thread for a published comment, through the index, never in a pass
    over every comment of the table, which it chose for an article of a thousand threads."""
    make_discussion(article, 3000, threads=1500, seed=3)
    roots = list(Comment.objects.filter(parent=None).values_list("pk", flat=True))
    Comment.objects.filter(pk__in=roots[::7]).update(status=Comment.Status.REMOVED)
    Article.objects.filter(pk=article.pk).update(comment_count=3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    article.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        thread.page_of_threads(article, page_number=10)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan and "hashed SubPlan" not in plan, plan
