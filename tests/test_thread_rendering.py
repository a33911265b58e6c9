"""The comment markup built in Python (comments.thread.render_thread) shows what the model
holds: names escaped, times and names as the model would format them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import get_template
from django.utils import timezone
from django.utils.dateformat import format as format_date

from comments import thread
from comments.generate import generate
from comments.models import Comment
from tests.factories import ArticleFactory

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
    item = next(t for t in thread.discussion(article).threads if t.root.comment.pk == comment.pk)
    html = get_template("comments/_thread.html").render(
        {"thread": item, "comment_url": "/comments/", "accepts_comments": True})
    assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;" in html
    assert "<b>Eve" not in html


def test_times_and_names_are_those_of_the_model(discussion_data):
    months = thread.month_names("en-gb")
    start = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)
    for hours in range(0, 24 * 366, 37):
        when = timezone.localtime(start + timedelta(hours=hours, minutes=hours % 60))
        assert thread.exact_time(when, months) == format_date(when, "j F Y, H:i")
    nodes = {node.pk: node for node in thread.read_nodes(article=discussion_data)}
    for comment in Comment.objects.filter(article=discussion_data).select_related("author"):
        node = nodes[comment.pk]
        assert (node.display_name, node.is_visible, node.body_html, node.level) == (
            comment.display_name, comment.is_visible, comment.body_html, comment.level)
