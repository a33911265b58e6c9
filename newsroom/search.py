"""Article search: PostgreSQL full-text search with ranking, a plain word match elsewhere."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

SEARCH_VECTOR = (
    SearchVector("headline", weight="A", config="english")
    + SearchVector("standfirst", weight="B", config="english")
    + SearchVector("body", weight="C", config="english")
)


def search_articles(articles, query):
    if connection.vendor == "postgresql":
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            articles.annotate(search=SEARCH_VECTOR, rank=SearchRank(SEARCH_VECTOR, search_query))
            .filter(search=search_query)
            .order_by("-rank", "-published_at")
        )
    # SQLite has no ranking: every word must appear somewhere in the article.
    for word in query.split():
        articles = articles.filter(
            Q(headline__icontains=word) | Q(standfirst__icontains=word) | Q(body__icontains=word)
        )
    return articles
