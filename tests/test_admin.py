from datetime import timedelta

import pytest
from django.utils import timezone

from newsroom.models import Article
from tests.factories import ArticleFactory, AuthorFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_article_changelist_filters_by_state(staff_client):
    ArticleFactory(headline="Live one")
    ArticleFactory(headline="Draft one", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Later one", published_at=timezone.now() + timedelta(days=1))
    for state, headline in [("draft", "Draft one"), ("scheduled", "Later one"), ("published", "Live one")]:
        html = staff_client.get("/admin/newsroom/article/", {"state": state}).content.decode()
        assert headline in html
        assert sum(other in html for other in ["Live one", "Draft one", "Later one"]) == 1


def test_article_admin_pages_open(staff_client):
    article = ArticleFactory(headline="Edit me")
    assert staff_client.get("/admin/newsroom/article/", {"q": "Edit"}).status_code == 200
    change = staff_client.get(f"/admin/newsroom/article/{article.pk}/change/").content.decode()
    assert "Edit me" in change
    assert "View on site" in change
    add = staff_client.get("/admin/newsroom/article/add/").content.decode()
    assert "prepopulated" in add and "admin-autocomplete" in add


def test_editor_can_publish_an_article_from_the_admin(staff_client):
    author = AuthorFactory()
    section = ArticleFactory().section
    response = staff_client.post("/admin/newsroom/article/add/", {
        "headline": "Fresh from the desk", "slug": "fresh-from-the-desk", "standfirst": "",
        "body": "Words.", "section": section.pk, "authors": [author.pk], "status": "published",
        "published_at_0": "2024-01-02", "published_at_1": "10:00:00",
    })
    assert response.status_code == 302, response.content
    article = Article.objects.get(slug="fresh-from-the-desk")
    assert article.is_public and article.get_absolute_url() == "/2024/01/02/fresh-from-the-desk/"


def test_readers_cannot_reach_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/newsroom/article/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
