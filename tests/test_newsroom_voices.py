"""Journalists in the thread: comments by staff and by the article's own authors carry a mark
(drawn from the account, linked to their author page), and "Replies from the newsroom" shows
what they wrote, each under the comment it answers. The marks follow the bylines: a changed
byline or author page is on the very next anonymous page."""

import pytest
from django.core.cache import cache
from django.test import Client

from comments import moderation
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    StaffFactory,
    UserFactory,
    make_comment,
    moderator,
)
from tests.test_query_counts import ARTICLE_PAGE_QUERIES, VALIDATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    """A reporter with an author page (not staff), and an editor on the staff with one too."""
    reporter = UserFactory(display_name="Rhea Porter")
    AuthorFactory(name="Rhea Porter", slug="rhea-porter", user=reporter)
    editor = StaffFactory(display_name="Ed Itor")
    AuthorFactory(name="Ed Itor", slug="ed-itor", user=editor)
    return reporter, editor


@pytest.fixture
def article(newsroom):
    reporter, _ = newsroom
    return ArticleFactory(authors=[reporter.author_profile])


def page(address):
    response = Client().get(address)
    assert response.status_code == 200
    return response.content.decode()


def comment_html(html, comment):
    return html.split(f'id="comment-{comment.pk}"')[1].split("</header>")[0]


def test_the_articles_authors_and_staff_are_marked_and_linked_to_their_author_page(article, newsroom):
    reporter, editor = newsroom
    by_reporter = make_comment(article, author=reporter, body="I reported this from the town hall.")
    by_editor = make_comment(article, author=editor, body="We have corrected the date.")
    by_reader = make_comment(article, author=UserFactory(display_name="Staff Fan"), body="Thanks.")
    elsewhere = make_comment(ArticleFactory(), author=reporter, body="Not my story.")
    html = page(article.get_absolute_url())
    assert ('<a class="staff-mark" href="/authors/rhea-porter/" title="One of this article’s authors">'
            'Author</a>') in comment_html(html, by_reporter)
    assert ('<a class="staff-mark" href="/authors/ed-itor/" title="A member of the site’s staff">'
            'Staff</a>') in comment_html(html, by_editor)
    assert "staff-mark" not in comment_html(html, by_reader)
    # On another article the reporter is a reader like any other (not staff, not its author).
    assert "staff-mark" not in comment_html(page(elsewhere.article.get_absolute_url()), elsewhere)


def test_staff_without_an_author_page_keep_the_plain_mark(article):
    comment = make_comment(article, author=moderator(display_name="Mo Derator"), body="Please stay on topic.")
    assert ('<span class="staff-mark" title="A member of the site’s staff">Staff</span>'
            in comment_html(page(article.get_absolute_url()), comment))


def test_a_changed_byline_moves_the_cached_page_once_committed(article, newsroom,
                                                                django_capture_on_commit_callbacks):
    reporter, _ = newsroom
    comment = make_comment(article, author=reporter, body="I reported this.")
    assert ">Author</a>" in comment_html(page(article.get_absolute_url()), comment)  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        article.authors.clear()
    assert "staff-mark" not in comment_html(page(article.get_absolute_url()), comment)
    with django_capture_on_commit_callbacks(execute=True):
        reporter.author_profile.articles.add(article)
    assert ">Author</a>" in comment_html(page(article.get_absolute_url()), comment)
    with django_capture_on_commit_callbacks(execute=True):
        reporter.author_profile.slug = "rhea-p"
        reporter.author_profile.save()
    assert 'href="/authors/rhea-p/"' in comment_html(page(article.get_absolute_url()), comment)


def test_replies_from_the_newsroom_show_each_under_the_comment_it_answers(article, newsroom):
    reporter, editor = newsroom
    question = make_comment(article, author=UserFactory(display_name="Curious"), body="Which town hall?")
    answer = make_comment(article, parent=question, author=reporter, body="The one in Leeds.")
    note = make_comment(article, author=editor, body="A correction was added.")
    make_comment(article, author=UserFactory(), body="Just a reader talking.")
    hidden = make_comment(article, author=UserFactory(), body="Something rude.")
    under_hidden = make_comment(article, parent=hidden, author=editor, body="Please be civil.")
    moderation.decide(hidden, "remove", moderator(), reason="abuse")
    held = make_comment(article, author=editor, body="A draft reply.", status="pending")
    html = page(article.get_absolute_url() + "?sort=newsroom")
    assert '<a href="?sort=newsroom#comments" aria-current="true">Replies from the newsroom</a>' in html
    listed = html.split('<ol class="threads">')[1].split("</ol>\n")[-2]
    assert "Just a reader talking." not in listed and held.body not in listed
    items = listed.split('<li class="answer">')[1:]
    assert [f'id="comment-{c.pk}"' in item for item, c in zip(items, [under_hidden, note, answer])] == [True] * 3
    assert "Which town hall?" in items[2].split(f'id="comment-{answer.pk}"')[0]  # the question, above
    assert "This comment was removed by a moderator." in items[0] and "Something rude." not in items[0]
    assert "comment-context" not in items[1]  # a new thread answers nobody


def test_an_empty_newsroom_view_says_so(article):
    make_comment(article, body="Only readers here.")
    html = page(article.get_absolute_url() + "?sort=newsroom")
    assert "Nobody from the newsroom has written in this discussion yet." in html


def test_marks_and_the_newsroom_view_cost_no_query_per_comment(article, newsroom, django_assert_num_queries):
    reporter, editor = newsroom
    for number in range(12):
        root = make_comment(article, author=UserFactory(), body=f"Question {number}")
        make_comment(article, parent=root, author=(reporter, editor)[number % 2], body=f"Answer {number}")
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + VALIDATOR):
        html = page(article.get_absolute_url())
    assert html.count('class="staff-mark"') == 12
    cache.clear()  # the article's own part too, as the pinned counts have it
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + VALIDATOR):  # the answers, then what they answer
        html = page(article.get_absolute_url() + "?sort=newsroom")
    assert html.count('<li class="answer">') == 12


def test_the_articles_author_is_mailed_when_a_reader_replies_to_them(article, newsroom,
                                                                      django_capture_on_commit_callbacks):
    """Through the reply notifications (notifications/): an author is a reader like any other
    there, with a confirmed address."""
    from django.core import mail

    from notifications.models import NotificationSettings

    reporter, _ = newsroom
    NotificationSettings.objects.create(user=reporter, confirmed_email=reporter.email)
    answer = make_comment(article, author=reporter, body="I reported this from the town hall.")
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(article, parent=answer, author=UserFactory(display_name="Curious"), body="Which one?")
    [message] = mail.outbox
    assert message.to == [reporter.email] and "Curious replied to your comment" in message.body
