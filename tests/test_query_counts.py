"""The article page and a comment's own page are read in a fixed number of queries, whatever
the size of the discussion (the discussions are made with generate_content's bulk code)."""

import pytest

from comments import moderation
from comments.models import Comment, Recommendation
from newsroom.models import User
from tests.factories import ArticleFactory, make_comment, make_discussion, moderator

pytestmark = pytest.mark.django_db

# Article page: the article (with its section and the site version), its authors and its
# tags (while its own part of the page is not cached), the sections for the navigation, then
# the discussion: this page's threads (with the count of all threads taking a place, in the
# same query), their comments (while their markup is not cached).
ARTICLE_PAGE_QUERIES = 6
# With no published comment no thread takes a place: the discussion reads nothing.
EMPTY_ARTICLE_PAGE_QUERIES = 4
# A comment's own page: the comment (with article and author), the sections, its replies,
# the comments above it.
COMMENT_PAGE_QUERIES = 4
# Anonymous readers: first the page's versions (the article's, with the site's, in one
# query; newsroom/pagecache.py), which answer a 304 or find the page in the cache.
VALIDATOR = 1
# Signed in: the session, the user, which comments on the page they recommended, and how
# many replies to them are unread (the header); no validator (signed-in pages are never
# answered from versions).
SIGNED_IN_EXTRA = 4
# Where the page offers the comment form, whether a moderator stopped them posting (so a
# banned or suspended reader is told instead of being refused after writing).
STANDING = 1
# On the article page, whether they follow its discussion.
FOLLOWING = 1

SIZES = [10, 100, 1000]


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-comments")
def discussion(request):
    article = ArticleFactory()
    make_discussion(article, request.param, seed=request.param)
    return article


@pytest.fixture(params=["anonymous", "signed-in"])
def viewer(request, client, discussion):
    """A reader: nobody, or a commenter in the discussion who recommended a few comments."""
    if request.param == "anonymous":
        return None
    user = User.objects.get(pk=Comment.objects.filter(article=discussion).exclude(author=None)
                            .values_list("author", flat=True).first())
    for comment in Comment.objects.filter(article=discussion, status="published").exclude(author=user)[:5]:
        Recommendation.objects.create(comment=comment, user=user)
    client.force_login(user)
    return user


def expected(base, viewer, *, form=False):
    return base + (SIGNED_IN_EXTRA + (STANDING + FOLLOWING) * form if viewer else VALIDATOR)


def test_article_page(client, discussion, viewer, django_assert_num_queries):
    with django_assert_num_queries(expected(ARTICLE_PAGE_QUERIES, viewer, form=True)):
        response = client.get(discussion.get_absolute_url())
    assert response.status_code == 200
    shown = response.content.count(b'<li id="comment-')
    assert shown >= min(10, Comment.objects.filter(article=discussion).count() // 2)
    if viewer:
        assert b'aria-pressed="true"' in response.content  # their recommendations


def test_article_page_without_published_comments(client, django_assert_num_queries):
    article = ArticleFactory()
    moderation.decide(make_comment(article), "remove", moderator(), reason="spam")
    with django_assert_num_queries(expected(EMPTY_ARTICLE_PAGE_QUERIES, None)):
        response = client.get(article.get_absolute_url())
    assert b"No comments yet" in response.content and b'<li id="comment-' not in response.content


def test_comment_page(client, discussion, viewer, django_assert_num_queries):
    # The biggest thread's first reply with replies of its own: ancestors above, a subtree below.
    root = Comment.objects.filter(article=discussion, parent=None).order_by("-rght").first()
    comment = (Comment.objects.filter(tree_id=root.tree_id, level=1, status="published")
               .order_by("lft").first() or root)
    with django_assert_num_queries(expected(COMMENT_PAGE_QUERIES, viewer)):
        response = client.get(f"/comments/{comment.pk}/")
    assert response.status_code == 200
    assert f'id="comment-{comment.pk}"'.encode() in response.content
