"""The comment markup built in Python (comments/markup.py) shows what the model holds: names
escaped, times as Django would format them; one reader's controls are written into the
markup shared by everyone, in the right places, and nowhere else."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateformat import format as format_date

from comments import discussion, markup, thread
from comments.generate import generate
from comments.models import Comment, Recommendation
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def discussion_data():
    article = ArticleFactory()
    generate(comments=400, seed=11, into=article, threads=12)
    return article


def test_names_are_escaped(discussion_data):
    article = discussion_data
    comment = Comment.objects.filter(article=article, parent=None).first()
    Comment.objects.filter(pk=comment.pk).update(author=None, guest_name="<b>Eve & co</b>",
                                                 status="published")
    html = shown_to(article)
    assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;" in html
    assert "<b>Eve" not in html


def test_times_and_names_are_those_of_the_model(discussion_data, settings):
    settings.TIME_ZONE = "America/New_York"
    clock = markup.Clock()
    start = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)
    for hours in range(0, 24 * 366, 37):
        moment = start + timedelta(hours=hours, minutes=hours % 60, seconds=hours % 59)
        written = clock.time(moment)
        assert f">{format_date(timezone.localtime(moment), 'j M Y, H:i')}</time>" in written
        assert f'datetime="{moment:%Y-%m-%dT%H:%M}Z"' in written
    nodes = {node.pk: node for node in thread.read_nodes(article=discussion_data)}
    for comment in Comment.objects.filter(article=discussion_data).select_related("author"):
        node = nodes[comment.pk]
        assert (node.display_name, node.is_visible, node.body_html, node.level) == (
            comment.display_name, comment.is_visible, comment.body_html, comment.level)


def shown_to(article, **reader):
    article.refresh_from_db()  # its comment count, as the article page reads it
    return discussion.article_discussion(article, **reader).markup


def controls_of(html, pk):
    """The markup between a comment's <li> and the next one."""
    start = html.index(f'<li id="comment-{pk}"')
    following = html.find('<li id="comment-', start + 1)
    return html[start:following if following > 0 else None]


def test_each_reader_gets_their_own_controls_in_the_shared_markup():
    article = ArticleFactory()
    reader, other = UserFactory(), UserFactory()
    mine = make_comment(article, author=reader, body="mine")
    theirs = make_comment(parent=mine, author=other, body="theirs")
    liked = make_comment(article, author=other, body="liked")
    Recommendation.objects.create(comment=liked, user=reader)
    Comment.objects.filter(pk=liked.pk).update(recommend_count=1)

    anonymous = shown_to(article)
    assert "<button" not in anonymous and "/edit/" not in anonymous

    html = shown_to(article, user=reader)
    # Everything shared is there, with the reader's controls added, and nothing else changed.
    assert re.sub(r' <a href="[^"]+/(edit|delete)/"( data-until="[^"]+")?>\w+</a>| <button[^>]*>\w+</button>', "", html) == anonymous
    assert f'href="/comments/{mine.pk}/edit/"' in controls_of(html, mine.pk)
    assert "<button" not in controls_of(html, mine.pk)
    assert 'name="recommend"' in controls_of(html, theirs.pk)
    assert "/edit/" not in controls_of(html, theirs.pk)
    assert f'name="withdraw" value="{liked.pk}" aria-pressed="true">Recommended' in controls_of(html, liked.pk)
    assert '<span>1 <i aria-hidden="true">♥</i><b>recommendation</b></span>' in controls_of(html, liked.pk)
    assert "Approve" not in html


def test_moderators_see_their_buttons_and_fresh_flag_counts():
    article = ArticleFactory()
    comment = make_comment(article, body="flagged once")
    Comment.objects.filter(pk=comment.pk).update(flag_count=1, replies_locked=True)
    html = shown_to(article, user=moderator())
    assert f'name="approve" value="{comment.pk}"' in html
    assert f'name="unlock" value="{comment.pk}">Unlock replies' in html
    assert '<span class="comment__flags">1 flag</span>' in html
    assert "/reply/" not in html  # replies are locked


def test_a_comment_has_the_same_markup_on_the_article_and_on_its_own_page(client):
    article = ArticleFactory()
    root = make_comment(article, author=UserFactory(display_name="Ann <3"), body="root words")
    reply = make_comment(parent=root, body="reply words")
    on_article = client.get(article.get_absolute_url()).content.decode()
    on_own_page = client.get(f"/comments/{root.pk}/").content.decode()
    for pk in (root.pk, reply.pk):
        assert controls_of(on_article, pk).split("</ol>")[0] == controls_of(on_own_page, pk).split("</ol>")[0]
    # Above a reply, the comment is quoted in the same words.
    on_reply_page = client.get(f"/comments/{reply.pk}/").content.decode()
    assert "root words" in on_reply_page and "Ann &lt;3" in on_reply_page
