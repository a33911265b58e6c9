"""load_demo's moderation: a demo moderator, the seed's worst comments removed with reasons,
something in every queue, and nothing duplicated when it runs again."""

import io

import pytest
from django.core.management import call_command

from comments import moderation
from comments.models import Comment, Flag, ModerationLog, Word
from newsroom.demo import seed
from newsroom.models import Article, User

pytestmark = pytest.mark.django_db
S = Comment.Status


def load():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot():
    return (Comment.objects.count(), ModerationLog.objects.count(), Flag.objects.count(),
            Word.objects.count(), User.objects.count(),
            sorted(Comment.objects.values_list("id", "status", "flag_count")))


def test_demo_moderator_clears_the_worst_comments_and_fills_every_queue(client):
    output = load()
    assert "sign in as 'moderator' with password 'newsroom-demo'" in output
    mod = User.objects.get(username="moderator")
    assert mod.is_staff and not mod.is_superuser and mod.check_password("newsroom-demo")
    assert list(mod.groups.values_list("name", flat=True)) == ["Moderators"]
    assert moderation.can_moderate(mod)

    comments = seed.load().comments
    article = Article.objects.get(slug__startswith="jaysh-al-islam")
    for number, phrase in [(0, "zio satanic slaves"), (27, "necessary to eliminate them"), (30, "kill them all")]:
        assert phrase in comments[number].body
        removed = Comment.objects.get(article=article, body=comments[number].body)
        assert removed.status == S.REMOVED
        entry = ModerationLog.objects.get(comment=removed, action="remove")
        assert entry.moderator == mod and entry.reason in ("hate", "violence") and entry.note

    everything = Comment.objects.all()
    for queue in ("pending", "flagged", "removed", "spam"):
        assert moderation.QUEUES[queue][1](everything).exists(), queue
    assert Comment.objects.get(body=comments[33].body).status == S.PENDING

    article.refresh_from_db()
    assert article.comment_count == article.comments.filter(status=S.PUBLISHED).count() == 33
    html = client.get(article.get_absolute_url()).content.decode()
    assert "33 comments" in html
    assert "This comment was removed by a moderator." in html  # number 30 has a reply
    assert "kill them all" not in html and "zio satanic" not in html
    assert "the Yarmouk Refugee Camp, should be next" in html


def test_running_load_demo_again_duplicates_nothing():
    load()
    first = snapshot()
    load()
    assert snapshot() == first


def test_a_moderators_later_decision_survives_load_demo(client):
    load()
    restored = Comment.objects.filter(status=S.REMOVED).first()
    moderation.decide(restored, "restore", User.objects.get(username="editor"))
    load()
    restored.refresh_from_db()
    assert restored.status == S.PUBLISHED


def test_demo_moderator_can_sign_in_and_open_the_flagged_queue(client):
    load()
    assert client.login(username="moderator", password="newsroom-demo")
    response = client.get("/admin/comments/comment/", {"queue": "flagged"})
    assert response.status_code == 200
    assert "if your people is stupid" in response.content.decode()
