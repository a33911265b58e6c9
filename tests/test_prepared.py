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



def test_an_update_compiled_once_changes_the_rows_its_values_name():
    from django.db.models import F

    from newsroom.models import Article
    from newsroom.prepared import PreparedUpdate

    first, second = ArticleFactory(), ArticleFactory()
    moved = PreparedUpdate(
        lambda article, by, at: (Article.objects.filter(pk=article),
                                 {"comment_count": F("comment_count") + by, "comment_count_changed_at": at}),
        article=int, by=int, at=datetime,
    )
    now = timezone.now()
    assert moved.run(article=first.pk, by=2, at=now) == 1
    assert moved.run(article=first.pk, by=-1, at=now + timedelta(hours=1)) == 1
    assert moved.run(article=0, by=5, at=now) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.comment_count, first.comment_count_changed_at) == (1, now + timedelta(hours=1))
    assert (second.comment_count, second.comment_count_changed_at) == (0, None)
