"""The queues put first what most needs a moderator: pending comments by the machine's scores
(the higher of spam and abuse; unscored last), flagged ones by readers' flags and then scores;
each row shows the scores and what made them. Scores never reach a public page."""

import re

import pytest
from django.test import Client

from comments import moderation
from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
LIST = "/admin/comments/comment/"


def scored(article, name, spam, abuse, status=S.PUBLISHED, **fields):
    comment = make_comment(article, guest_name=name, body=f"Comment {name}.", status=status, **fields)
    Comment.objects.filter(pk=comment.pk).update(spam_score=spam, abuse_score=abuse, score_reason=f"why {name}")
    return comment


def order(client, queue):
    html = client.get(LIST, {"queue": queue}).content.decode()
    return re.findall(r"Comment (\w+)\.", html), html


def test_the_pending_queue_puts_the_highest_score_first(client):
    article = ArticleFactory()
    scored(article, "unscored", None, None, S.PENDING)
    scored(article, "spammy", 0.9, 0.1, S.PENDING)
    scored(article, "abusive", 0.2, 0.95, S.PENDING)
    scored(article, "mild", 0.3, None, S.PENDING)
    client.force_login(moderator())
    names, html = order(client, "pending")
    assert names == ["abusive", "spammy", "mild", "unscored"]
    assert "spam 90" in html and "abuse 95" in html and "why abusive" in html


def test_the_flagged_queue_puts_flags_first_then_scores(client, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 5
    article = ArticleFactory()
    comments = {name: scored(article, name, spam, None) for name, spam in
                [("two_low", 0.1), ("two_high", 0.8), ("three", 0.0)]}
    for name, flags in [("two_low", 2), ("two_high", 2), ("three", 3)]:
        for _ in range(flags):
            moderation.flag(comments[name], UserFactory(), "spam")
    client.force_login(moderator())
    assert order(client, "flagged")[0] == ["three", "two_high", "two_low"]


def test_scores_never_reach_a_public_page():
    article = ArticleFactory()
    scored(article, "public", 0.91, 0.42)
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Comment public." in html
    # The score (91) as a number of its own: comment ids in the links after it may contain "91".
    assert "why public" not in html and not re.search(r"(?<!\d)91(?!\d)", html.split("Comment public.")[1][:400])
