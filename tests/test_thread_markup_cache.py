"""Each thread's markup is cached under its version (comments/discussion.py): every public
change shows on the very next page, only the changed thread is read again, and what one
reader sees of their own never reaches another."""

import pytest

from comments import actions, moderation
from tests.factories import UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(display_name="Olga")


@pytest.fixture
def threads(article, author):
    root = make_comment(article, author=author, body="First thread")
    reply = make_comment(parent=root, author=UserFactory(display_name="Pavel"), body="A reply")
    other = make_comment(article, body="Second thread")
    return root, reply, other


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def rename(root, reply, author):
    author.display_name = "Olga K"
    author.save()


def promote(root, reply, author):
    author.is_staff = True  # their comments now carry the staff mark
    author.save()


WRITES = {
    "reply": lambda root, reply, author: make_comment(parent=reply, body="A new reply"),
    "edit": lambda root, reply, author: actions.edit_comment(root, author, "First thread, edited"),
    "delete": lambda root, reply, author: actions.delete_comment(root, author),
    "remove": lambda root, reply, author: moderation.decide(reply, "remove", moderator(), reason="abuse"),
    "recommend": lambda root, reply, author: actions.recommend(reply, author),
    "lock": lambda root, reply, author: moderation.set_replies_locked(root, True, moderator()),
    "rename": rename,
    "promote": promote,
}
SHOWS = {
    "reply": "A new reply",
    "edit": "First thread, edited",
    "delete": "This comment was deleted by its author.",
    "remove": "Second thread",  # and the reply is gone: checked below
    "recommend": '<span>1 <i aria-hidden="true">♥</i><b>recommendation</b></span>',
    "lock": "Second thread",  # and the root's Reply link is gone: checked below
    "rename": "<b><bdi>Olga K</bdi></b>",
    "promote": '<b><bdi>Olga</bdi> <span class="staff-mark"',
}


@pytest.mark.parametrize("write", WRITES)
def test_every_public_change_is_on_the_next_page(
    client, article, threads, author, write, django_capture_on_commit_callbacks
):
    root, reply, other = threads
    before = page(client, article)
    assert page(client, article) == before  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):  # a rename moves versions on commit
        WRITES[write](root, reply, author)
    after = page(client, article)
    assert SHOWS[write] in after and after != before
    if write == "remove":
        assert "A reply" not in after
    if write == "lock":
        assert f"/comments/{root.pk}/reply/" not in after
        assert f"/comments/{other.pk}/reply/" in after


def test_a_page_of_cached_threads_reads_no_comments_and_a_change_reads_its_thread_only(
        client, article, threads, django_assert_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # every request renders: no whole page is kept
    root, reply, other = threads
    page(client, article)
    # The page's versions (newsroom/pagecache.py), the article (the page around the
    # discussion is kept too), this page's threads (and how many take a place): no comment
    # is read.
    with django_assert_num_queries(3):
        page(client, article)
    make_comment(parent=reply, body="A new reply")
    with django_assert_num_queries(4) as queries:
        html = page(client, article)
    assert "A new reply" in html and "Second thread" in html
    [comments_read] = [query["sql"] for query in queries.captured_queries
                       if '"comments_comment"."body_html"' in query["sql"]]
    assert f'"tree_id" IN ({root.tree_id})' in comments_read  # the changed thread only


def test_closing_the_discussion_takes_the_reply_links_away_from_cached_threads(client, article, threads):
    assert "/reply/" in page(client, article)
    type(article).objects.filter(pk=article.pk).update(comments_closed=True)
    assert "/reply/" not in page(client, article)


def test_one_readers_controls_never_reach_another(client, article, threads, author):
    root, reply, other = threads
    client.force_login(author)
    assert f"/comments/{root.pk}/edit/" in page(client, article)
    client.logout()
    anonymous = page(client, article)
    assert "/edit/" not in anonymous and 'name="recommend"' not in anonymous
    client.force_login(UserFactory())
    assert "/edit/" not in page(client, article)
