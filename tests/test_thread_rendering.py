"""The comment markup built in Python (comments.thread.render_thread) is byte for byte what
the template loop it replaced produced, for every kind of row and viewer."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.template.loader import get_template

from comments import thread
from comments.generate import generate
from comments.models import Comment, Recommendation
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

# comments/templates/comments/_thread.html as it was before the markup moved into Python.
TEMPLATE_LOOP = """{% for row in thread.rows %}{{ row.opens|safe }}<li id="comment-{{ row.comment.pk }}" class="comment{% if row.placeholder %} comment--gone{% endif %}">{% if row.placeholder %}<p class="comment__placeholder">{{ row.placeholder }}</p>{% else %}<article class="comment__box">
<p class="comment__meta"><b>{{ row.name }}</b> <a href="#comment-{{ row.comment.pk }}"><time datetime="{{ row.iso_time }}" title="{{ row.exact_time }}">{{ row.relative_time }}</time></a>{% if row.comment.edited_at %} · <span>edited</span>{% endif %}</p>
<div class="comment__body">{{ row.comment.body_html|safe }}</div>
<p class="comment__actions">{% if accepts_comments %}<a href="{{ comment_url }}{{ row.comment.pk }}/reply/">Reply</a> {% endif %}<a href="{{ comment_url }}{{ row.comment.pk }}/">Link</a>{% if user.is_authenticated %}{% if row.comment.author_id == user.pk %} <a href="{{ comment_url }}{{ row.comment.pk }}/edit/">Edit</a> <a href="{{ comment_url }}{{ row.comment.pk }}/delete/">Delete</a>{% if row.comment.recommend_count %} <span>{{ row.comment.recommend_count }} ♥</span>{% endif %}{% elif row.recommended %} <button class="link-button" name="withdraw" value="{{ row.comment.pk }}" aria-pressed="true">Recommended ♥ {{ row.comment.recommend_count }}</button>{% else %} <button class="link-button" name="recommend" value="{{ row.comment.pk }}" aria-pressed="false">Recommend{% if row.comment.recommend_count %} ♥ {{ row.comment.recommend_count }}{% endif %}</button>{% endif %}{% elif row.comment.recommend_count %} <span>{{ row.comment.recommend_count }} ♥</span>{% endif %}</p>
</article>{% endif %}{% if row.continue_thread %}<a class="comment__more" href="{{ comment_url }}{{ row.comment.pk }}/">Continue this thread →</a>{% endif %}
{% endfor %}{{ thread.closing|safe }}
"""


def old_markup(thread_, **context):
    return Template(TEMPLATE_LOOP).render(Context({"thread": thread_, **context}))


def new_markup(thread_, **context):
    return get_template("comments/_thread.html").render({"thread": thread_, **context})


@pytest.fixture
def discussion_data():
    article = ArticleFactory()
    generate(comments=400, seed=11, into=article, threads=12)
    return article


def viewers(article):
    author_id = Comment.objects.filter(article=article).exclude(author=None).values_list(
        "author_id", flat=True).first()
    from newsroom.models import User

    author = User.objects.get(pk=author_id)
    liker = UserFactory()
    for comment in Comment.objects.filter(article=article, status="published")[:30]:
        Recommendation.objects.create(comment=comment, user=liker)
    return [AnonymousUser(), author, liker]


@pytest.mark.parametrize("accepts_comments", [True, False])
def test_article_threads_render_as_the_template_did(discussion_data, accepts_comments, settings):
    settings.COMMENTS_MAX_DEPTH = 3  # some "Continue this thread" links
    article = discussion_data
    for user in viewers(article):
        shown = thread.discussion(article, viewer=user)
        assert shown.threads
        for item in shown.threads:
            context = {"comment_url": "/comments/", "accepts_comments": accepts_comments, "user": user}
            assert new_markup(item, **context) == old_markup(item, **context)


def test_names_are_escaped(discussion_data):
    article = discussion_data
    comment = Comment.objects.filter(article=article, parent=None, author=None).first() or \
        Comment.objects.filter(article=article, parent=None).first()
    Comment.objects.filter(pk=comment.pk).update(author=None, guest_name="<b>Eve & co</b>",
                                                 status="published")
    item = next(t for t in thread.discussion(article).threads if t.root.comment.pk == comment.pk)
    new = new_markup(item, comment_url="/comments/", accepts_comments=True)
    assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;" in new
    assert new == old_markup(item, comment_url="/comments/", accepts_comments=True)


def test_comment_page_renders_as_the_template_did(discussion_data, settings):
    settings.COMMENTS_MAX_DEPTH = 2
    article = discussion_data
    users = viewers(article)
    for root in Comment.objects.filter(article=article, parent=None, rght__gt=10)[:5]:
        for user in users:
            item = thread.subtree(root, viewer=user)
            context = {"comment_url": "/comments/", "accepts_comments": True, "user": user}
            assert new_markup(item, **context) == old_markup(item, **context)


def test_times_and_names_are_those_of_the_model(discussion_data):
    from datetime import datetime, timedelta, timezone as tz

    from django.utils import timezone
    from django.utils.dateformat import format as format_date

    months = thread.month_names("en-gb")
    start = datetime(2024, 1, 1, 0, 5, tzinfo=tz.utc)
    for hours in range(0, 24 * 366, 37):
        when = timezone.localtime(start + timedelta(hours=hours, minutes=hours % 60))
        assert thread.exact_time(when, months) == format_date(when, "j F Y, H:i")
    nodes = {node.pk: node for node in thread.read_nodes(Comment.objects.filter(article=discussion_data))}
    for comment in Comment.objects.filter(article=discussion_data).select_related("author"):
        node = nodes[comment.pk]
        assert (node.display_name, node.is_visible, node.body_html, node.level) == (
            comment.display_name, comment.is_visible, comment.body_html, comment.level)
