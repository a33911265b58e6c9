from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from newsroom.models import Article
from tests.factories import ArticleFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_published_rule_hides_drafts_and_scheduled_articles():
    live = ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(published_at=timezone.now() + timedelta(hours=2))

    assert list(Article.objects.published()) == [live]


def test_state_tells_draft_scheduled_and_published_apart():
    assert ArticleFactory(status=Article.Status.DRAFT, published_at=None).state == "draft"
    assert ArticleFactory(published_at=timezone.now() + timedelta(days=1)).state == "scheduled"
    assert ArticleFactory().state == "published"


def test_publishing_without_a_time_publishes_now():
    article = ArticleFactory(published_at=None)
    assert article.published_at is not None
    assert article.is_public


def test_canonical_url_is_dated_and_zero_padded():
    article = ArticleFactory(slug="a-story", published_at=datetime(2021, 6, 1, 9, tzinfo=UTC))
    assert article.get_absolute_url() == "/2021/06/01/a-story/"


def test_body_is_rendered_from_markdown_and_sanitised():
    article = ArticleFactory(
        body="Plain *emphasis*.\n\n<script>alert(1)</script>\n\n[link](javascript:alert(2)) "
        '<img src="x" onerror="alert(3)">'
    )
    assert "<em>emphasis</em>" in article.body_html
    assert "<script" not in article.body_html
    assert "javascript:" not in article.body_html
    assert "onerror" not in article.body_html


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"published_at": timezone.now() + timedelta(days=3)},
    ],
    ids=["draft", "scheduled"],
)
def test_unpublished_articles_are_404_for_the_public_and_previewable_by_staff(client, kwargs):
    article = ArticleFactory(headline="Not yet", **kwargs)
    preview_url = article.get_absolute_url()
    assert preview_url == f"/preview/{article.pk}/"

    assert client.get(preview_url).status_code == 302  # to the admin sign-in
    when = timezone.now()
    dated = f"/{when:%Y/%m/%d}/{article.slug}/"
    assert client.get(dated).status_code == 404

    client.force_login(StaffFactory())
    response = client.get(preview_url)
    assert response.status_code == 200
    assert b"Not yet" in response.content
    assert b"Preview: this article is" in response.content


def test_published_article_at_wrong_date_is_404(client):
    article = ArticleFactory(published_at=datetime(2021, 6, 1, 9, tzinfo=UTC))
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(f"/2021/06/02/{article.slug}/").status_code == 404
