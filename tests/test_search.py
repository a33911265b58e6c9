import pytest
from django.db import connection

from newsroom.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    return [
        ArticleFactory(headline="Floods in the valley", body="Rain fell for days."),
        ArticleFactory(headline="Election results", body="The valley voted early; floods delayed counting."),
        ArticleFactory(headline="Budget news", body="Taxes rise."),
        ArticleFactory(headline="Secret floods draft", status=Article.Status.DRAFT, published_at=None),
    ]


def results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [article.headline for article in response.context["object_list"]]


def test_search_finds_published_articles_by_their_words(client, articles):
    found = results(client, "floods")
    assert set(found) == {"Floods in the valley", "Election results"}


def test_search_ranks_headline_matches_first_on_postgresql(client, articles):
    if connection.vendor != "postgresql":
        pytest.skip("ranking needs PostgreSQL full-text search")
    assert results(client, "floods")[0] == "Floods in the valley"


def test_search_without_matches_or_query_shows_no_results(client, articles):
    assert results(client, "volcano") == []
    assert results(client, "") == []
    assert b"No article matches" in client.get("/search/", {"q": "volcano"}).content


def test_search_survives_hostile_queries(client, articles):
    assert client.get("/search/", {"q": "flo\x00ods"}).status_code == 400
    for query in ["' OR 1=1 --", "<script>alert(1)</script>", "&|!:*", "x" * 5000]:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert b"<script>alert(1)</script>" not in response.content
