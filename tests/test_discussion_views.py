"""The "Picks" order and "Replies from the newsroom" are paged like the other orders, and the
newsroom's view is offered only when someone from the newsroom wrote in the discussion."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import moderation
from newsroom.pagecache import local_pages
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    StaffFactory,
    UserFactory,
    make_comment,
    moderator,
)

pytestmark = pytest.mark.django_db


def texts(html, *words):
    return [word for word in words if word in html]


def test_picks_are_paged_like_the_other_orders(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    editor = moderator()
    now = timezone.now()
    for number in range(3):
        comment = make_comment(article, body=f"Picked comment {number}", created_at=now - timedelta(hours=5 - number))
        moderation.set_picked(comment, True, editor, reason=f"reason {number}")
    first = client.get(f"{article.get_absolute_url()}?sort=picks").content.decode()
    listed = first.split('class="threads"')[1]  # below the strip of the newest picks
    assert texts(listed, "Picked comment 0", "Picked comment 1", "Picked comment 2") == [
        "Picked comment 1", "Picked comment 2"]  # newest pick first: 2, then 1
    assert "Comments page 1 of 2" in first and "?sort=picks&amp;page=2#comments" in first
    second = client.get(f"{article.get_absolute_url()}?sort=picks&page=2").content.decode()
    assert "Comments page 2 of 2" in second
    listed = second.split('class="threads"')[1]
    assert texts(listed, "Picked comment 0", "Picked comment 1", "Picked comment 2") == ["Picked comment 0"]


def test_the_newsroom_view_is_paged_and_offered_only_when_the_newsroom_wrote(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    question = make_comment(article, author=UserFactory(display_name="Olga"), body="Who checked this?")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Replies from the newsroom" not in html
    staff = StaffFactory(display_name="Desk Editor")
    now = timezone.now()
    for number in range(3):
        make_comment(parent=question, author=staff, body=f"Newsroom answer {number}", created_at=now + timedelta(minutes=number))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="?sort=newsroom#comments">Replies from the newsroom</a>' in html
    first = client.get(f"{article.get_absolute_url()}?sort=newsroom").content.decode()
    assert texts(first.split('class="threads"')[1], "Newsroom answer 0", "Newsroom answer 1", "Newsroom answer 2") == [
        "Newsroom answer 1", "Newsroom answer 2"]
    assert "Comments page 1 of 2" in first and "?sort=newsroom&amp;page=2#comments" in first
    second = client.get(f"{article.get_absolute_url()}?sort=newsroom&page=2").content.decode()
    assert texts(second.split('class="threads"')[1], "Newsroom answer 0", "Newsroom answer 1") == ["Newsroom answer 0"]


def offers_the_newsroom(client, article):
    return "Replies from the newsroom" in client.get(article.get_absolute_url()).content.decode()


def test_the_newsroom_view_goes_when_its_last_reply_is_hidden_and_comes_back_with_it(client):
    article = ArticleFactory()
    make_comment(article, author=UserFactory(), body="A reader's question.")
    answer = make_comment(article, author=StaffFactory(), body="The newsroom's answer.")
    guest = make_comment(article, guest_name="Passer-by", body="A guest's comment.")
    assert offers_the_newsroom(client, article)
    moderation.decide(guest, "remove", moderator(), reason="off-topic")
    assert offers_the_newsroom(client, article)  # another comment gone: the answer is still there
    moderation.decide(answer, "remove", moderator(), reason="other", note="Posted by mistake.")
    assert not offers_the_newsroom(client, article)
    moderation.decide(answer, "restore", moderator())
    assert offers_the_newsroom(client, article)


def test_a_held_newsroom_reply_is_offered_once_approved(client):
    article = ArticleFactory()
    held = make_comment(article, author=StaffFactory(), body="A reply waiting.", status="pending")
    assert not offers_the_newsroom(client, article)
    moderation.decide(held, "approve", moderator())
    assert offers_the_newsroom(client, article)


def test_who_counts_as_the_newsroom_follows_staff_status_and_bylines(client, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    reader = UserFactory(display_name="Soon Staff")
    make_comment(article, author=reader, body="Writing as a reader, for now.")
    assert not offers_the_newsroom(client, article)
    with django_capture_on_commit_callbacks(execute=True):
        reader.is_staff = True
        reader.save()
    assert offers_the_newsroom(client, article)
    with django_capture_on_commit_callbacks(execute=True):
        reader.is_staff = False
        reader.save()
    assert not offers_the_newsroom(client, article)
    reporter = UserFactory(display_name="Rhea Porter")
    make_comment(article, author=reporter, body="I wrote this story.")
    assert not offers_the_newsroom(client, article)
    with django_capture_on_commit_callbacks(execute=True):
        article.authors.add(AuthorFactory(name="Rhea Porter", slug="rhea-porter", user=reporter))
    assert offers_the_newsroom(client, article)


def test_the_paged_views_read_a_fixed_number_of_queries(client, settings):
    """A full page or a later one counts what there is (one query); the first page of a view
    with fewer than a page's worth counts nothing. Either way the same on every page."""
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    editor = moderator()
    for number in range(5):
        moderation.set_picked(make_comment(article, body=f"Pick {number}"), True, editor, reason="good")
    client.get(f"{article.get_absolute_url()}?sort=picks")  # warm up: content types and the like
    counts = []
    for page in (1, 2, 3):
        cache.clear()
        local_pages.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{article.get_absolute_url()}?sort=picks&page={page}")
        counts.append(len(queries))
    assert counts == [counts[0]] * 3
