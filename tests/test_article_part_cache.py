"""The article's own part of its page (meta tags, structured data, the article with its
authors and tags), and for anonymous readers the whole page around the discussion, are kept
in the cache under the site version (newsroom/views.py): every change to the article, its
authors, tags or section is on the very next page, and a page whose part is kept reads
neither authors nor tags (nor, for anonymous readers, the sections)."""

import pytest

from tests.factories import ArticleFactory, AuthorFactory, TagFactory, make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    article = ArticleFactory(headline="Bridge reopens")
    article.authors.add(AuthorFactory(name="Ada Writer"))
    article.tags.add(TagFactory(name="Transport"))
    return article


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def rename_author(article):
    author = article.authors.get()
    author.name = "Ada Q. Writer"
    author.save()


def rename_section(article):
    article.section.name = "City life"
    article.section.save()


@pytest.mark.parametrize("change, shows", [
    ("headline", '<h1 class="article__headline">Bridge reopens at last</h1>'),
    ("author", '>Ada Q. Writer</a>'),
    ("tag", 'rel="tag" href="/tags/tolls/">Tolls</a>'),
    ("section", '<meta property="article:section" content="City life">'),
])
def test_every_change_to_the_article_is_on_the_next_page(client, article, change, shows):
    before = page(client, article)
    assert page(client, article) == before  # now from the cache
    if change == "headline":
        article.headline = "Bridge reopens at last"
        article.save()
    elif change == "author":
        rename_author(article)
    elif change == "tag":
        article.tags.add(TagFactory(name="Tolls", slug="tolls"))
    else:
        rename_section(article)
    assert shows in page(client, article)


def test_a_kept_part_reads_no_authors_or_tags(client, article, django_assert_num_queries):
    make_comment(article, body="A comment")
    page(client, article)
    make_comment(article, body="Another comment")  # the discussion changes, the article not
    # The page's versions (newsroom/pagecache.py: the discussion moved, so the whole page is
    # not in the cache), the article (with the site version), this page's threads (and how
    # many take a place), the changed thread's comments. Not the sections of the navigation:
    # the anonymous page around the discussion is kept too.
    with django_assert_num_queries(4):
        html = page(client, article)
    assert "Another comment" in html and "Ada Writer" in html and "Transport" in html


def test_staff_previews_of_drafts_are_never_kept(client, admin_user):
    draft = ArticleFactory(status="draft", published_at=None, headline="First draft")
    client.force_login(admin_user)
    assert "First draft" in client.get(f"/preview/{draft.pk}/").content.decode()
    type(draft).objects.filter(pk=draft.pk).update(headline="Second draft")  # no version moves
    assert "Second draft" in client.get(f"/preview/{draft.pk}/").content.decode()
