"""Queries compiled once per process (newsroom/prepared.py): each value finds its own places."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from newsroom.prepared import PreparedQuery
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db


def test_two_values_of_one_kind_each_keep_their_own_places():
    article, writer, other = ArticleFactory(), UserFactory(), UserFactory()
    now = timezone.now()
    mine = make_comment(article, author=writer, body="Mine.", created_at=now - timedelta(hours=1))
    make_comment(article, author=other, body="Theirs.", created_at=now - timedelta(hours=3))
    query = PreparedQuery(
        lambda author, skipped, body, text, after, before: Comment.objects
        .filter(author_id=author, created_at__gt=after, created_at__lt=before)
        .exclude(pk=skipped).exclude(body=body).exclude(body=text).values_list("body", flat=True),
        author=int, skipped=int, body=str, text=str, after=datetime, before=datetime,
    )
    window = {"after": now - timedelta(hours=2), "before": now}
    assert query.rows(author=writer.pk, skipped=0, body="x", text="y", **window) == [("Mine.",)]
    assert query.rows(author=writer.pk, skipped=mine.pk, body="x", text="y", **window) == []
    assert query.rows(author=writer.pk, skipped=0, body="x", text="Mine.", **window) == []
    assert query.rows(author=other.pk, skipped=0, body="x", text="y", **window) == []
    assert query.rows(author=other.pk, skipped=0, body="x", text="y",
                      after=now - timedelta(hours=4), before=now) == [("Theirs.",)]

