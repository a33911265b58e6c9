"""A moderator's view of the article page: every comment but those their authors deleted, each
with its status, flags and why it is hidden, the decisions that apply (Restore on a removed
one, Approve only where there is something to approve), the machine's scores, a link to its
author's history;
staff only, never in what anonymous readers are served."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments import actions, moderation
from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def talk(settings):
    settings.COMMENTS_FLAG_THRESHOLD = 2
    article = ArticleFactory()
    mod = moderator()
    c = {
        "plain": make_comment(article, author=UserFactory(username="plainwriter"), body="Plain and shown."),
        "flagged_once": make_comment(article, author=UserFactory(), body="Flagged once, still shown."),
        "hidden": make_comment(article, author=UserFactory(), body="Hidden by two flags."),
        "pending": make_comment(article, guest_name="Guesty", body="Waiting for a moderator.", status=S.PENDING),
        "removed": make_comment(article, author=UserFactory(username="rude"), body="Rude words, removed."),
        "spam": make_comment(article, author=UserFactory(), body="Buy watches."),
        "deleted": make_comment(article, author=UserFactory(), body="Taken back by its author."),
    }
    actions.hold(c["pending"], "Guest comments always wait for a moderator.")  # as post_comment does
    Comment.objects.filter(pk=c["hidden"].pk).update(spam_score=0.12, abuse_score=0.871, score_reason="insult")
    c["reply"] = make_comment(parent=c["plain"], author=UserFactory(), body="A published reply.")
    moderation.flag(c["flagged_once"], UserFactory(), "off-topic")
    for reason in ("hate", "hate"):
        moderation.flag(c["hidden"], UserFactory(), reason)
    moderation.decide(c["removed"], "remove", mod, reason="abuse", note="Name-calling.")
    moderation.decide(c["spam"], "spam", mod)
    actions.delete_comment(c["deleted"], c["deleted"].author)
    return article, c


def controls(html, comment):
    """The moderator's part beside one comment."""
    found = re.search(rf'id="comment-{comment.pk}".*?<span class="comment__moderate">(.*?)</span>(?: <a href="[^"]+/flag/">Flag</a>)?</footer>',
                      html, re.S)
    assert found, f"no controls for comment {comment.pk}"
    return found.group(1)


def buttons(html, comment):
    return re.findall(rf'name="(\w+)" value="{comment.pk}"', controls(html, comment))


def test_a_moderator_sees_every_comment_with_its_status_and_the_decisions_that_apply(client, talk):
    article, c = talk
    client.force_login(moderator(username="mod2"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Moderator’s view" in html
    for name in ("pending", "removed", "spam", "hidden"):
        assert Comment.objects.get(pk=c[name].pk).body in html  # their words, for moderators
    assert "Taken back by its author." not in html  # an author's deletion stays theirs
    assert "This comment was deleted by its author." not in html  # no thread left to show
    assert buttons(html, c["plain"]) == ["remove", "lock", "pick"]  # nothing to approve
    assert buttons(html, c["flagged_once"]) == ["approve", "remove", "lock", "pick"]
    assert buttons(html, c["hidden"]) == ["approve", "remove", "lock"]  # what readers do not see is not picked
    assert buttons(html, c["pending"]) == ["approve", "remove", "lock"]
    assert buttons(html, c["removed"]) == ["restore", "lock"]  # no Approve, no Remove
    assert buttons(html, c["spam"]) == ["remove", "restore", "lock"]
    assert "Removed: not shown to readers" in html and "Pending: not shown to readers" in html
    assert "1 flag: Off-topic" in controls(html, c["flagged_once"])
    assert "2 flags: Hate ×2" in controls(html, c["hidden"])
    assert "Hidden after flags" in controls(html, c["hidden"])
    assert "Removed: Abuse or harassment — Name-calling." in controls(html, c["removed"])
    assert "Held for review: Guest comments always wait for a moderator." in controls(html, c["pending"])
    assert 'href="/admin/comments/comment/?author=rude">Their history' in controls(html, c["removed"])
    assert "Their history" not in controls(html, c["pending"])  # a guest has no account
    assert 'name="recommend"' not in controls(html, c["removed"])  # hidden: nothing to recommend
    assert "spam 12 · abuse 87: insult" in controls(html, c["hidden"])  # the machine's scores
    assert "spam" not in controls(html, c["plain"])  # not scored: nothing shown


def test_none_of_it_reaches_readers_or_the_anonymous_cache(client, talk):
    article, c = talk
    client.force_login(moderator(username="mod2"))
    client.get(article.get_absolute_url())  # the moderator's view first: nothing of it kept
    client.get(f"/comments/{c['plain'].pk}/")
    for viewer in (Client(), reader_client()):
        for url in (article.get_absolute_url(), f"/comments/{c['plain'].pk}/"):
            html = viewer.get(url).content.decode()
            for words in ("Moderator’s view", "Rude words", "insult", "abuse 87", "Waiting for a moderator", "Buy watches",
                          "Hidden by two flags", "comment__moderate", "not shown to readers", "Their history"):
                assert words not in html, (url, words)
    assert "Plain and shown." in Client().get(article.get_absolute_url()).content.decode()


def reader_client():
    reader = Client()
    reader.force_login(UserFactory())
    return reader


def test_restore_puts_a_removed_comment_back_where_it_was(client, talk):
    article, c = talk
    client.force_login(moderator(username="mod2"))
    response = client.post("/comments/moderate/", {"restore": c["removed"].pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{c['removed'].pk}")
    assert Comment.objects.get(pk=c["removed"].pk).status == S.PUBLISHED
    assert "Rude words, removed." in Client().get(article.get_absolute_url()).content.decode()
    # Restoring what is not removed changes nothing, and says so.
    response = client.post("/comments/moderate/", {"restore": c["plain"].pk}, follow=True)
    assert "Nothing changed" in response.content.decode()


def test_the_moderators_page_costs_the_same_queries_however_many_comments(client):
    article = ArticleFactory()
    mod = moderator()

    def fill(n):
        for i in range(n):
            root = make_comment(article, author=UserFactory(), body=f"Root {i}")
            make_comment(parent=root, author=UserFactory(), body=f"Reply {i}", status=S.PENDING)
            removed = make_comment(article, author=UserFactory(), body=f"Removed {i}")
            moderation.decide(removed, "remove", mod, reason="spam")
            moderation.flag(root, UserFactory(), "spam")

    fill(2)
    client.force_login(mod)
    client.get(article.get_absolute_url())  # the article's own part is cached from now on
    with CaptureQueriesContext(connection) as few:
        client.get(article.get_absolute_url())
    fill(8)
    with CaptureQueriesContext(connection) as many:
        html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('name="restore"') == 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
